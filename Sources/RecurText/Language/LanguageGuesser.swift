/// A light language guess from common function words, for pages that do not declare
/// their language. It knows a handful of European languages by their most frequent
/// short words, and scripts (CJK, Cyrillic, Arabic, …) by their letters; it says nil
/// rather than guess on little evidence.
public enum LanguageGuesser {
  static let functionWords: [String: Set<String>] = [
    "en": [
      "the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "with", "you", "this", "are", "not", "be",
      "have", "but", "they", "he", "she", "we", "my", "or", "by", "at", "if", "just", "would", "what", "there",
      "their", "been", "has", "had", "were", "can", "from", "your", "our", "all", "very", "well", "like", "one",
      "out", "about", "really", "much", "more", "when", "which", "them", "than", "only", "its",
    ],
    "de": ["der", "die", "und", "das", "ist", "nicht", "ein", "eine", "mit", "ich", "sich", "auf", "den", "zu", "es"],
    "fr": ["le", "la", "les", "et", "des", "est", "une", "un", "du", "que", "pas", "pour", "dans", "qui", "sur"],
    "es": ["el", "la", "los", "las", "y", "que", "es", "un", "una", "por", "con", "para", "del", "se", "no"],
    "it": ["il", "lo", "la", "gli", "che", "di", "e", "è", "un", "una", "per", "non", "con", "del", "sono"],
    "pt": ["o", "os", "as", "que", "de", "e", "é", "um", "uma", "não", "com", "para", "do", "da", "em"],
    "nl": ["de", "het", "een", "en", "van", "is", "niet", "dat", "op", "te", "met", "voor", "zijn", "ik", "ook"],
  ]

  /// Words of another language's list that are as common in English (`no`, `as`, `do`,
  /// `per`, the `non` of `non-stick`): they tell no language apart, so they count for none.
  /// A short English review ("no sauce, no cheese", "great starters here as well") must not
  /// read as Spanish or Portuguese.
  static let sharedWords: Set<String> = ["no", "as", "do", "per", "non"]

  /// The language of a text: the declared one (a page's `lang`), else the guessed one; nil
  /// when neither is known.
  public static func language(of text: String, declared: String?) -> String? {
    declared ?? guess(text)
  }

  /// `language` when it is known and not English, else nil. Both models were trained on
  /// English only, and read no other.
  public static func otherThanEnglish(_ language: String?) -> String? {
    guard let language, !language.lowercased().hasPrefix("en") else { return nil }
    return language
  }

  /// A language code, or nil when the text is too short or too mixed to tell.
  public static func guess(_ text: String) -> String? {
    var scripts: [String: Int] = [:]
    var letters = 0
    for scalar in text.unicodeScalars.prefix(20_000) where scalar.properties.isAlphabetic {
      letters += 1
      switch scalar.value {
      case 0x0400...0x04FF: scripts["ru", default: 0] += 1
      case 0x0600...0x06FF: scripts["ar", default: 0] += 1
      case 0x0590...0x05FF: scripts["he", default: 0] += 1
      case 0x0370...0x03FF: scripts["el", default: 0] += 1
      case 0x3040...0x30FF: scripts["ja", default: 0] += 1
      case 0xAC00...0xD7AF: scripts["ko", default: 0] += 1
      case 0x4E00...0x9FFF: scripts["zh", default: 0] += 1
      case 0x0E00...0x0E7F: scripts["th", default: 0] += 1
      case 0x0900...0x097F: scripts["hi", default: 0] += 1
      default: break
      }
    }
    guard letters >= 20 else { return nil }
    if let (script, count) = scripts.max(by: { $0.value < $1.value }), count * 2 > letters {
      // Japanese mixes kanji with kana: any kana in a CJK text means Japanese.
      if script == "zh", (scripts["ja"] ?? 0) * 20 > count { return "ja" }
      return script
    }
    let words = text.lowercased().split { !$0.isLetter }.prefix(2000)
    guard words.count >= 8 else { return nil }
    var scores: [String: Int] = [:]
    for word in words {
      let word = String(word)
      guard !sharedWords.contains(word) else { continue }
      for (language, set) in functionWords where set.contains(word) { scores[language, default: 0] += 1 }
    }
    let ranked = scores.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
    // One function word is not evidence enough for any language.
    guard let best = ranked.first, best.value >= 2, best.value * 10 >= words.count else { return nil }
    if ranked.count > 1, Double(ranked[1].value) > 0.8 * Double(best.value) { return nil }
    return best.key
  }
}
