import Foundation
import XCTest

@testable import RecurText

/// Readers' comments: found with their writer, date and own text, replies apart from their
/// parent, never in the article's text; a forum thread's posts stay its text.
final class PageCommentsTests: XCTestCase {
  let article = (1...4).map { index in
    "<p>Paragraph \(index) of the article: the harbour board met on Monday and agreed, after a long debate about "
      + "costs and timetables, to repair the old sea wall before the winter storms arrive.</p>"
  }.joined()

  func page(comments: String, url: String = "https://gazette.example/2026/11/sea-wall") -> Document {
    let html = """
      <html><head><title>Sea wall repairs</title></head><body>
      <main><article><h1>Sea wall repairs agreed</h1>\(article)</article></main>
      \(comments)
      <footer><p>Gazette</p></footer></body></html>
      """
    return DocumentParser().parse(Array(html.utf8), url: url)
  }

  func testAThreadOfCommentsWithARepliesListComesOutApartFromTheText() {
    let document = page(
      comments: """
        <div id="comments" class="comments-area"><h2>2 thoughts on “Sea wall repairs agreed”</h2>
        <ol class="comment-list">
        <li id="comment-7" class="comment depth-1"><article class="comment-body">
        <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Ada Quill</b> <span class="says">says:</span></div>
        <div class="comment-metadata"><time datetime="2026-11-03T10:00:00+00:00">November 3, 2026 at 10:00 am</time></div></footer>
        <div class="comment-content"><p>Long overdue, the wall has been crumbling for years.</p></div>
        <div class="reply"><a class="comment-reply-link" href="#r">Reply</a></div></article>
        <ol class="children"><li id="comment-8" class="comment depth-2"><article class="comment-body">
        <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Bram Oduya</b> <span class="says">says:</span></div>
        <div class="comment-metadata"><time>4 November 2026</time></div></footer>
        <div class="comment-content"><p>Agreed, though the cost worries me a great deal.</p></div></article></li></ol>
        </li></ol>
        <div class="comment-respond"><h3>Leave a Reply</h3></div></div>
        """)
    XCTAssertEqual(document.comments.map(\.author), ["Ada Quill", "Bram Oduya"])
    XCTAssertEqual(document.comments.map(\.date), ["2026-11-03", "2026-11-04"])
    XCTAssertEqual(document.comments.map(\.position), [1, 2])
    XCTAssertEqual(document.comments[0].text, "Long overdue, the wall has been crumbling for years.")
    XCTAssertEqual(document.comments[1].text, "Agreed, though the cost worries me a great deal.")
    XCTAssertTrue(document.text.contains("Paragraph 4 of the article"), document.text)
    for word in ["crumbling", "worries", "Ada Quill", "thoughts on", "Leave a Reply"] {
      XCTAssertFalse(document.text.contains(word), "\(word) in the text: \(document.text)")
    }
  }

  func testBlocksNamingAWriterInsideACommentsSectionAreComments() {
    let document = page(
      comments: """
        <section class="discussion"><h3>Readers' comments</h3>
        <div class="c-item"><span class="c-user">tidewatcher</span> <span class="c-date">Nov 5, 2026</span>
        <p>Finally some good news for the harbour front.</p></div>
        <div class="c-item"><span class="c-user">Mo Reyes</span>
        <p>Two years too late, as usual with this board.</p></div></section>
        """)
    XCTAssertEqual(document.comments.map(\.author), ["tidewatcher", "Mo Reyes"])
    XCTAssertEqual(document.comments.map(\.date), ["2026-11-05", nil])
    XCTAssertFalse(document.text.contains("Two years too late"), document.text)
  }

  func testACommentsTextsThatRunTogetherAreTwoWords() {
    let document = page(
      comments: """
        <div itemscope itemtype="https://schema.org/Comment"><span itemprop="author">Lena Holt</span>
        <p itemprop="text"><strong>Top commenter</strong><span>Agreed with every word of this.</span> \
        The <code>get<b>Tide</b>()</code> call is <b>re</b>named.</p></div>
        """)
    XCTAssertEqual(
      document.comments.first?.text, "Top commenter Agreed with every word of this. The getTide() call is renamed.")
  }

  func testSchemaOrgCommentMicrodataIsAComment() {
    let document = page(
      comments: """
        <div itemscope itemtype="https://schema.org/Comment"><span itemprop="author">Lena Holt</span>
        <p itemprop="text">The photographs of the storm damage were striking.</p></div>
        """)
    XCTAssertEqual(document.comments.map(\.author), ["Lena Holt"])
    XCTAssertEqual(document.comments.first?.text, "The photographs of the storm damage were striking.")
  }

  func testAForumThreadKeepsItsPostsAsItsText() {
    let posts = (1...3).map { index in
      """
      <li class="comment"><span class="author">member\(index)</span>
      <p>Post \(index): I replaced the battery in my laptop last month and the new one holds its charge far better than the old one did.</p></li>
      """
    }.joined()
    let thread = page(
      comments: "<ol class=\"comment-list\">\(posts)</ol>", url: "https://forum.example/t/laptop-batteries/4411")
    XCTAssertTrue(thread.comments.isEmpty)
    // The same markup at an ordinary address: the posts are comments under the article.
    let article = page(comments: "<ol class=\"comment-list\">\(posts)</ol>")
    XCTAssertEqual(article.comments.count, 3)
  }

  func testThreadAddressesOfCommonForumSoftware() {
    for url in [
      "https://forum.example/t/some-topic/123", "https://example.com/threads/a-thread.991/",
      "https://example.com/questions/42/how-to", "https://example.com/showthread.php?t=7",
      "https://community.example/topic/12/x", "https://old.reddit.example/r/x/comments/abc/title",
    ] {
      XCTAssertTrue(DocumentParser.isThreadAddress(url), url)
    }
    for url in ["https://news.example/2026/11/sea-wall", "https://blog.example/posts/t", "file:///tmp/page.html"] {
      XCTAssertFalse(DocumentParser.isThreadAddress(url), url)
    }
  }

  func testWrittenDatesBecomeISODates() {
    XCTAssertEqual(WrittenDate.iso("September 13, 2018 at 5:23 pm"), "2018-09-13")
    XCTAssertEqual(WrittenDate.iso("13 Sept 2018"), "2018-09-13")
    XCTAssertEqual(WrittenDate.iso("2018-09-13T17:23:00Z"), "2018-09-13")
    XCTAssertNil(WrittenDate.iso("February 30, 2018"))
    XCTAssertNil(WrittenDate.iso("3 days ago"))
  }

  func testMarkupEscapedInsideNoscriptIsNotText() {
    let html = """
      <html><body><article>\(article)
      <noscript>&lt;img src="https://ads.example/pixel?id=1" width="1"&gt;</noscript>
      <noscript><p>Enable script to see the photo gallery of the sea wall.</p></noscript></article></body></html>
      """
    let document = DocumentParser().parse(Array(html.utf8), url: "https://gazette.example/x")
    XCTAssertFalse(document.text.contains("pixel"), document.text)
    XCTAssertTrue(document.text.contains("photo gallery"), document.text)
  }
}
