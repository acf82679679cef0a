/// What the parse stage makes of one page. The field order is fixed: JSONL and CSV
/// columns come out in this order every run.
public struct Document: Sendable, Equatable {
  public enum Kind: String, Sendable, Codable, CaseIterable {
    case article, review, listing, forum, other
  }

  public var url: String
  public var canonicalURL: String?
  public var title: String?
  public var authors: [String]
  /// ISO 8601 date (`2026-11-12` or with a time).
  public var published: String?
  /// BCP 47-ish language code (`en`, `de`, `pt-br`).
  public var language: String?
  public var siteName: String?
  public var description: String?
  public var kind: Kind
  public var paragraphs: [String]
  public var reviews: [ReviewItem]
  /// Readers' comments under the article, in page order; never part of `paragraphs`.
  public var comments: [Comment] = []
  /// What the page says it is about, in its schema.org markup: the reviewed item, the
  /// product, film, book, restaurant or organisation it describes.
  public var subjects: [PageSubject] = []
  /// The names of the other sites the page links to (`MetadataReader.linkedSites`): a
  /// one-word name that is one of them is a business or a product, not a person.
  public var linkedSites: [String] = []
  /// The encoding the bytes were read in, and which rule chose it.
  public var encoding: String
  public var encodingSource: EncodingSource
  /// The extraction rule that produced the text (`scored-container`, `body`, `empty` …).
  public var method: String
  /// Why the text is empty, when it is.
  public var reason: String?

  /// The main text: paragraphs separated by a blank line.
  public var text: String { paragraphs.joined(separator: "\n\n") }
}

/// A thing a page's schema.org markup (JSON-LD, microdata or RDFa) names: the item its
/// reviews are of, or the product, work, business or organisation it describes.
public struct PageSubject: Sendable, Equatable, Codable {
  public var name: String
  /// The schema.org type as the page gives it (`Product`, `Movie`, `Restaurant` …).
  public var type: String

  public init(name: String, type: String) {
    self.name = name
    self.type = type
  }

  /// What kind of name a subject is.
  public enum Category: Sendable {
    /// A product or a creative work (film, book, game, album, app).
    case thing
    /// A business or an organisation.
    case organisation
    case place
  }

  /// The schema.org types a page's subjects are read from, and the kind of name each is;
  /// people are never subjects (a person's name is the tagger's to find).
  public static let categories: [String: Category] = {
    var all: [String: Category] = [:]
    for type in [
      "Product", "ProductModel", "ProductGroup", "IndividualProduct", "Car", "Vehicle", "Movie", "Book",
      "TVSeries", "TVSeason", "TVEpisode", "VideoGame", "Game", "SoftwareApplication", "MobileApplication",
      "WebApplication", "MusicAlbum", "MusicRecording", "MusicComposition", "Play", "Musical", "CreativeWorkSeries",
      "BookSeries", "MovieSeries", "Podcast", "PodcastSeries", "Painting", "Sculpture", "VisualArtwork",
    ] {
      all[type] = .thing
    }
    for type in [
      "Organization", "Corporation", "LocalBusiness", "Restaurant", "FoodEstablishment", "CafeOrCoffeeShop",
      "Bakery", "BarOrPub", "Brewery", "Winery", "FastFoodRestaurant", "IceCreamShop", "Hotel", "LodgingBusiness",
      "BedAndBreakfast", "Hostel", "Motel", "Resort", "Store", "ClothingStore", "ElectronicsStore", "BookStore",
      "GroceryStore", "HardwareStore", "AutoDealer", "AutoRepair", "HealthAndBeautyBusiness", "DaySpa",
      "SportsActivityLocation", "ExerciseGym", "EntertainmentBusiness", "MovieTheater", "NightClub",
      "TravelAgency", "Dentist", "MedicalClinic", "Brand", "Airline", "NewsMediaOrganization",
      "EducationalOrganization", "SportsTeam", "SportsOrganization", "MusicGroup", "PerformingGroup", "TheaterGroup",
    ] {
      all[type] = .organisation
    }
    for type in ["Place", "City", "Country", "State", "TouristAttraction", "LandmarksOrHistoricalBuildings", "Park"] {
      all[type] = .place
    }
    return all
  }()
}

/// One review on a page (a page may hold several), with its rating when it has one.
public struct ReviewItem: Sendable, Equatable {
  public var author: String?
  public var rating: Double?
  public var bestRating: Double?
  public var worstRating: Double?
  public var date: String?
  public var title: String?
  public var body: String
  /// Where it was found: `json-ld`, `microdata`.
  public var source: String

  /// The rating on a 0–1 scale, when both the rating and its scale are known.
  public var normalisedRating: Double? {
    guard let rating else { return nil }
    let best = bestRating ?? 5
    let worst = worstRating ?? (best <= 1 ? 0 : 1)
    guard best > worst else { return nil }
    return min(1, max(0, (rating - worst) / (best - worst)))
  }
}

/// One reader's comment under an article.
public struct Comment: Sendable, Equatable {
  public var author: String
  /// `YYYY-MM-DD`, where the page shows a date.
  public var date: String?
  /// The comment's own text (without its replies), paragraphs on lines of their own.
  public var text: String
  /// 1 for the first comment on the page, in page order (replies after their parent).
  public var position: Int

  public init(author: String, date: String?, text: String, position: Int) {
    self.author = author
    self.date = date
    self.text = text
    self.position = position
  }
}
