/// Every selector word and threshold of main-content extraction, in one place: the
/// extraction code refers to them by name.
public enum ExtractionRules {
  /// Elements dropped wherever they are (a `<button>` left open in broken markup can hold
  /// the rest of the page: it is kept then, as any furniture holding much of the page).
  static let droppedElements: Set<String> = ["nav", "form", "dialog", "menu", "fieldset", "label", "button"]
  /// Elements dropped unless they sit inside an `<article>` or `<main>` (an article's own
  /// header holds its title).
  static let droppedOutsideArticle: Set<String> = ["header", "footer", "aside"]
  /// ARIA roles of page furniture.
  static let droppedRoles: Set<String> = [
    "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog", "alert",
  ]
  /// Words of a class or id (split at spaces, `-` and `_`) that mark boilerplate.
  static let boilerplateWords: Set<String> = [
    "cookie", "cookies", "consent", "gdpr", "banner", "share", "sharing", "sharebar", "social", "related",
    "recommended", "recommendations", "newsletter", "subscribe", "subscription", "signup", "advert",
    "advertisement", "ads", "ad", "sponsor", "sponsored", "promo", "popup", "modal", "sidebar", "breadcrumb",
    "breadcrumbs", "pagination", "pager", "menu", "navbar", "nav", "navigation", "masthead", "header", "footer",
    "toolbar", "tags", "print", "skip", "login", "search", "trending", "popular", "outbrain", "taboola", "disqus",
    "colophon", "copyright",
  ]
  /// Words of a class or id that mark the content itself; they protect an element from
  /// the boilerplate words (`entry-header` holds the title, `post-content` is content).
  static let contentWords: Set<String> = [
    "article", "content", "entry", "post", "story", "body", "main", "text", "review", "reviews", "comment",
    "message", "thread", "answer", "question", "description", "prose", "markdown",
  ]

  /// Paragraph-like elements that carry the text a candidate is scored on.
  static let paragraphElements: Set<String> = [
    "p", "pre", "blockquote", "li", "td", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
  ]
  static let headingElements: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]

  /// A paragraph shorter than this (characters) adds nothing to its container's score.
  static let minimumParagraphCharacters = 25
  /// Containers whose linked text is above this share of their text are navigation.
  static let maximumLinkDensity = 0.5
  /// A block of fewer characters than this with any links is dropped from the output.
  static let shortLinkedBlockCharacters = 40
  /// Siblings of the best candidate join it when they score at least this share of it.
  static let siblingScoreShare = 0.2
  /// A boilerplate-named element holding at least this share of the page's text, mostly
  /// unlinked, is a page wrapper and stays.
  static let wrapperTextShare = 0.3
  /// Below this many unlinked characters on the whole page there is no page wrapper to
  /// protect: furniture is dropped even when it holds most of the little text there is
  /// (a listing page whose only sentence is its footer's copyright line).
  static let minimumWrappedPageText = 250
  /// Each character of non-prose text (menus, captions, link lists) a container would
  /// bring in costs this many characters of prose when choosing the container.
  static let otherTextPenalty = 0.6
  /// Below this much prose outside links, a page may be a listing.
  static let listingProseLimit = 3000
  /// A listing reading must find this many times the prose of the article reading.
  static let listingGain = 2.0
  /// A link whose text is this long (characters) is a headline or card, not navigation.
  static let longLinkCharacters = 20
  /// Bonus or penalty for a content or boilerplate class word.
  static let classWeight = 25.0

  /// Class words of repeated blocks that are reviews, comments or posts (read as review
  /// items when a page marks up none).
  static let reviewBlockWords: Set<String> = [
    "review", "reviews", "comment", "comments", "post", "posts", "testimonial", "testimonials", "feedback",
    "reply", "replies", "message", "answer", "opinion",
  ]
  /// Class words of the element inside such a block that names its writer.
  static let reviewAuthorWords: Set<String> = [
    "author", "user", "username", "byline", "reviewer", "poster", "nickname", "handle",
  ]
  /// Class words of the element that holds a block's rating.
  static let reviewRatingWords: Set<String> = ["rating", "stars", "star", "score"]
  /// Class words of the element that holds a block's date (when it has no `<time>`).
  static let reviewDateWords: Set<String> = ["date", "time", "timestamp", "posted"]
  /// A repeated block needs this many characters of its own text to be an item.
  static let minimumReviewBlockCharacters = 30
  /// Comments are taken out of a page only when this many characters of its text stand
  /// outside them (else they are the page's text, as on a forum thread).
  static let minimumTextBesideComments = 600
  /// Comments holding more than this many times the text beside them are the page's text
  /// (a thread), not comments under it.
  static let maximumCommentShare = 2
  /// Path segments of forum threads' addresses (followed by more of the path).
  static let threadPathSegments: Set<String> = [
    "t", "thread", "threads", "topic", "questions", "forum", "forums", "discussions", "comments",
  ]
  /// A comments section goes with its comments when it holds fewer characters than this
  /// beside them (a heading, "Leave a reply").
  static let maximumCommentSectionExtra = 300
  /// A writer's name longer than this (characters) is text, not a name.
  static let maximumReviewAuthorCharacters = 60
}
