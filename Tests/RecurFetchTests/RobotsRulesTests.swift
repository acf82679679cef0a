import XCTest

@testable import RecurFetch

/// RFC 9309 matching, on robots.txt bodies written for these cases.
final class RobotsRulesTests: XCTestCase {
  func rules(_ text: String, token: String = "Recur") -> RobotsRules {
    RobotsRules(parsing: Array(text.utf8), productToken: token)
  }

  func testOwnGroupWinsOverStarAndMatchesCaseInsensitively() {
    let parsed = rules(
      """
      User-agent: *
      Disallow: /

      User-agent: RECUR
      Disallow: /drafts
      """)
    XCTAssertTrue(parsed.allows("/reviews/1"))
    XCTAssertFalse(parsed.allows("/drafts/1"))
  }

  func testStarGroupAppliesWhenNoGroupNamesUs() {
    let parsed = rules("User-agent: otherbot\nDisallow: /a\n\nUser-agent: *\nDisallow: /b\n")
    XCTAssertTrue(parsed.allows("/a"))
    XCTAssertFalse(parsed.allows("/b/c"))
  }

  func testNoMatchingGroupAllowsEverything() {
    XCTAssertTrue(rules("User-agent: otherbot\nDisallow: /\n").allows("/anything"))
    XCTAssertTrue(rules("").allows("/anything"))
  }

  func testGroupsForTheSameAgentAreCombined() {
    let parsed = rules("User-agent: recur\nDisallow: /a\n\nUser-agent: recur\nDisallow: /b\n")
    XCTAssertFalse(parsed.allows("/a"))
    XCTAssertFalse(parsed.allows("/b"))
  }

  func testSeveralAgentsShareOneGroup() {
    let parsed = rules("User-agent: foo\nUser-agent: recur\nDisallow: /shared\n")
    XCTAssertFalse(parsed.allows("/shared/x"))
  }

  func testLongestMatchWinsAndAllowWinsTies() {
    let parsed = rules(
      """
      User-agent: *
      Disallow: /shop
      Allow: /shop/reviews
      Disallow: /same
      Allow: /same
      """)
    XCTAssertFalse(parsed.allows("/shop/cart"))
    XCTAssertTrue(parsed.allows("/shop/reviews/42"))
    XCTAssertTrue(parsed.allows("/same/page"))
    XCTAssertEqual(parsed.decidingRule(for: "/shop/cart")?.description, "Disallow: /shop")
  }

  func testWildcardsAndEndAnchor() {
    let parsed = rules(
      """
      User-agent: *
      Disallow: /*.pdf$
      Disallow: /*/print
      Disallow: /search?q=*&page=
      """)
    XCTAssertFalse(parsed.allows("/files/report.pdf"))
    XCTAssertTrue(parsed.allows("/files/report.pdf.html"))
    XCTAssertFalse(parsed.allows("/article/12/print"))
    XCTAssertTrue(parsed.allows("/print"))
    XCTAssertFalse(parsed.allows("/search?q=film&page=2"))
    XCTAssertTrue(parsed.allows("/search?q=film"))
  }

  func testEmptyDisallowAndCommentsAndStrayRules() {
    let parsed = rules(
      """
      Disallow: /before-any-agent
      # a comment line
      User-agent: * # trailing comment
      Disallow:
      Disallow: /private # why
      """)
    XCTAssertTrue(parsed.allows("/before-any-agent"))
    XCTAssertFalse(parsed.allows("/private"))
    XCTAssertTrue(parsed.allows("/public"))
  }

  func testPercentEncodingIsNormalised() {
    let parsed = rules("User-agent: *\nDisallow: /caf%c3%a9\nDisallow: /naïve\n")
    XCTAssertFalse(parsed.allows("/caf%C3%A9/menu"))
    XCTAssertFalse(parsed.allows("/na%C3%AFve"))
  }

  func testRobotsTxtItselfIsAlwaysAllowed() {
    XCTAssertTrue(rules("User-agent: *\nDisallow: /\n").allows("/robots.txt"))
  }

  func testCrawlDelayOfTheMatchedGroup() {
    XCTAssertEqual(rules("User-agent: *\nCrawl-delay: 2.5\n").crawlDelay, 2.5)
    XCTAssertNil(rules("User-agent: other\nCrawl-delay: 9\n").crawlDelay)
    XCTAssertNil(rules("User-agent: *\nCrawl-delay: soon\n").crawlDelay)
  }

  func testGarbageNeverCrashes() {
    let noise = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
    XCTAssertTrue(RobotsRules(parsing: noise, productToken: "Recur").allows("/x"))
  }

  func testProductTokenIsTheUserAgentsFirstWord() {
    var settings = FetchSettings()
    XCTAssertEqual(settings.robotsProductToken, "Recur")
    settings.userAgent = "my-crawler/2.0 (contact)"
    XCTAssertEqual(settings.robotsProductToken, "my-crawler")
  }
}

final class FetchPoliciesTests: XCTestCase {
  func testRetryAfterSecondsAndDates() {
    XCTAssertEqual(RetryPolicy.retryAfterSeconds("120"), 120)
    let now = 1_800_000_000.0  // 2027-01-15T08:00:00Z
    XCTAssertEqual(RetryPolicy.retryAfterSeconds("Fri, 15 Jan 2027 08:00:30 GMT", now: now), 30)
    XCTAssertEqual(RetryPolicy.retryAfterSeconds("Fri, 15 Jan 2027 07:00:00 GMT", now: now), 0)
    XCTAssertNil(RetryPolicy.retryAfterSeconds("whenever"))
    XCTAssertNil(RetryPolicy.retryAfterSeconds("-5"))
  }

  func testBackoffGrowsWithJitterInItsUpperHalf() {
    for attempt in 1...4 {
      let full = 0.5 * Double(1 << (attempt - 1))
      for _ in 0..<50 {
        let wait = RetryPolicy.backoff(afterAttempt: attempt, base: 0.5)
        XCTAssertGreaterThanOrEqual(wait, full / 2)
        XCTAssertLessThanOrEqual(wait, full)
      }
    }
  }

  func testContentTypeHeaderParsing() {
    let parsed = ContentTypePolicy.parseHeader("Text/HTML; Charset=\"ISO-8859-1\"")
    XCTAssertEqual(parsed.mime, "text/html")
    XCTAssertEqual(parsed.charset, "ISO-8859-1")
    XCTAssertNil(ContentTypePolicy.parseHeader("text/html").charset)
  }

  func testSniffing() {
    func sniff(_ text: String, url: String = "http://x/") -> String? {
      ContentTypePolicy.sniff(Array(text.utf8), url: url)
    }
    XCTAssertEqual(sniff("\u{FEFF}  <!DOCTYPE html><html>"), "text/html")
    XCTAssertEqual(sniff("<?xml version=\"1.0\"?><rss version=\"2.0\">"), "application/rss+xml")
    XCTAssertEqual(sniff("<?xml version=\"1.0\"?><urlset>"), "application/xml")
    XCTAssertEqual(sniff("%PDF-1.4"), "application/pdf")
    XCTAssertEqual(sniff("plain words", url: "file:///tmp/page.html"), "text/html")
    XCTAssertNil(sniff("plain words"))
    XCTAssertNil(sniff("<!-- just a comment -->"))
  }

  func testURLParts() throws {
    let parts = try URLParts.parse("HTTPS://Example.ORG/a/b?c=d#frag").get()
    XCTAssertEqual(parts.origin, "https://example.org:443")
    XCTAssertEqual(parts.pathAndQuery, "/a/b?c=d")
    XCTAssertEqual(try URLParts.parse("http://example.org").get().pathAndQuery, "/")
    XCTAssertThrowsError(try URLParts.parse("gopher://example.org/").get())
    XCTAssertThrowsError(try URLParts.parse("").get())
    XCTAssertThrowsError(try URLParts.parse("http://").get())
  }
}
