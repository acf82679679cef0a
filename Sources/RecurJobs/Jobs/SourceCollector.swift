import Foundation
import RecurFetch
import RecurText

/// Turns a job's `[sources]` into the URLs of one run: listed URLs, URL files, the
/// entries of sitemaps (following sitemap indexes) and feeds, and the pages in local
/// folders as `file://` URLs; then include/exclude patterns, de-duplication and the limit.
public struct SourceCollector {
  /// A source that could not be read (a feed that failed to fetch or parse); the run
  /// records it as a failed document so the report lists it.
  public struct Problem: Sendable, Equatable {
    public var url: String
    public var reason: String
  }

  public var urls: [String] = []
  public var problems: [Problem] = []

  /// The page extensions a folder source picks up.
  static let pageExtensions: Set<String> = ["html", "htm", "xhtml"]
  /// Nested sitemap indexes are followed this deep.
  static let maximumSitemapDepth = 3

  /// Collects the run's URLs. A missing URL file or folder is a configuration error
  /// (exit 2); a feed or sitemap that cannot be fetched or read becomes a `Problem`.
  public static func collect(_ job: JobFile, limit: Int?, fetcher: any Fetching) throws(RecurError) -> SourceCollector {
    var collector = SourceCollector()
    var listed = job.urls
    for file in job.urlFiles {
      listed += try URLListReader.read(path: file)
    }
    for folder in job.folders {
      listed += try pages(in: folder)
    }
    collector.readListings(job.sitemaps + job.feeds, fetcher: fetcher, depth: 0, into: &listed)

    let include = job.include.compactMap { try? Regex($0) }
    let exclude = job.exclude.compactMap { try? Regex($0) }
    var seen: Set<String> = []
    let limit = limit ?? (job.limit > 0 ? job.limit : nil)
    for url in listed {
      if !include.isEmpty && !include.contains(where: { url.contains($0) }) { continue }
      if exclude.contains(where: { url.contains($0) }) { continue }
      guard seen.insert(url).inserted else { continue }
      if let limit, collector.urls.count >= limit { break }
      collector.urls.append(url)
    }
    return collector
  }

  /// Fetches sitemaps and feeds together and adds their entries; sitemap indexes are
  /// followed to their sitemaps.
  mutating func readListings(_ listings: [String], fetcher: any Fetching, depth: Int, into urls: inout [String]) {
    guard !listings.isEmpty else { return }
    var nested: [String] = []
    for (listing, result) in zip(listings, fetcher.fetchAll(listings.map { FetchRequest(url: $0) })) {
      guard result.outcome == .ok else {
        problems.append(Problem(url: listing, reason: "source not read: \(result.reason ?? result.outcome.rawValue)"))
        continue
      }
      var body = result.body
      if Gzip.isGzip(body), let inflated = try? Gzip.decompress(body) { body = inflated }
      do {
        let parsed = try FeedParser.parse(body)
        let entries = parsed.entries.map(\.url).filter { $0.contains("://") }
        if parsed.kind == .sitemapIndex {
          if depth + 1 < Self.maximumSitemapDepth {
            nested += entries
          } else {
            problems.append(Problem(url: listing, reason: "source not read: sitemap indexes nested too deep"))
          }
        } else {
          urls += entries
        }
      } catch {
        problems.append(Problem(url: listing, reason: "source not read: not a feed or sitemap (\(error.description))"))
      }
    }
    readListings(nested, fetcher: fetcher, depth: depth + 1, into: &urls)
  }

  /// The pages under `folder` (recursively, in path order) as `file://` URLs.
  static func pages(in folder: String) throws(RecurError) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      throw RecurError(.usage, "[sources] folders: no such folder", location: folder)
    }
    guard let walker = FileManager.default.enumerator(atPath: folder) else {
      throw RecurError(.usage, "[sources] folders: cannot list the folder", location: folder)
    }
    var paths: [String] = []
    while let relative = walker.nextObject() as? String {
      let ext = (relative as NSString).pathExtension.lowercased()
      if pageExtensions.contains(ext) { paths.append(relative) }
    }
    let base = URL(fileURLWithPath: folder).standardizedFileURL
    return paths.sorted().map { base.appendingPathComponent($0).absoluteString }
  }
}
