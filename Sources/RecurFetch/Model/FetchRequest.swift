/// HTTP validators remembered from an earlier fetch of the same URL, sent back
/// so an unchanged page answers 304 instead of its body.
public struct Validators: Sendable, Hashable, Codable {
  public var etag: String?
  public var lastModified: String?

  public init(etag: String? = nil, lastModified: String? = nil) {
    self.etag = etag
    self.lastModified = lastModified
  }

  public var isEmpty: Bool { etag == nil && lastModified == nil }
}

/// One URL to fetch.
public struct FetchRequest: Sendable, Hashable {
  public var url: String
  public var validators: Validators

  public init(url: String, validators: Validators = Validators()) {
    self.url = url
    self.validators = validators
  }
}
