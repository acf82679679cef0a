import RecurText

/// A name found in a text: its type, the text as written, where it stands (Unicode scalar
/// offsets into the document text) and the model's confidence.
public struct EntityMention: Sendable, Equatable {
  public var type: String
  public var text: String
  public var start: Int
  public var end: Int
  /// The lowest probability among the entity's token tags (the CRF's marginals).
  public var confidence: Double
}

/// One person named in a document: the longest form of the name, and how often they are mentioned.
public struct Person: Sendable, Equatable {
  public var name: String
  public var mentions: Int
  /// The forms the name took (`Barack Obama`, `Obama`), longest first.
  public var forms: [String]
  public var confidence: Double
}

/// Tags the names in whole documents with a `NamesModel`: the text is tokenized and split
/// into sentences as everywhere in Recur, each sentence is tagged, and the entities are
/// mapped back to exact offsets in the text.
public struct DocumentNames {
  public let model: NamesModel
  let tokenizer = Tokenizer()

  public init(model: NamesModel) { self.model = model }

  /// The entities of each text and the people they name. Batching every sentence of every
  /// text together gives the same results as one text at a time. `subjects`, per text: what
  /// its page's markup says the page is about (`Document.subjects`); the text's mentions of
  /// them are found (`subjectMentions`) and read as that kind of name (`subjectTypes`).
  /// `languages`, per text: its declared language, when known. A text in another language
  /// than English (declared or guessed, as for sentiment) has no names:
  /// the tagger was trained on English, and reads a German sentence's capitalised nouns as
  /// people. `linkedSites`, per text: the other sites its page links to
  /// (`Document.linkedSites`; `linkedSitesRead`).
  public func tag(
    _ texts: [String], subjects: [[PageSubject]]? = nil, linkedSites: [[String]]? = nil, languages: [String?]? = nil
  ) -> [(
    entities: [EntityMention], people: [Person]
  )] {
    var sentences: [[Token]] = []
    var owners: [Int] = []
    var scalarsOf: [[Unicode.Scalar]] = []
    var tokensOf: [[Token]] = []
    for (index, text) in texts.enumerated() {
      let declared = languages.flatMap { index < $0.count ? $0[index] : nil }
      guard LanguageGuesser.otherThanEnglish(LanguageGuesser.language(of: text, declared: declared)) == nil else {
        scalarsOf.append([])
        tokensOf.append([])
        continue
      }
      let scalars = Array(text.unicodeScalars)
      scalarsOf.append(scalars)
      let tokens = tokenizer.tokenize(text)
      tokensOf.append(Self.given(subjects, index).isEmpty ? [] : tokens)
      for range in Segmentation.sentences(tokens, in: scalars) {
        sentences.append(Array(tokens[range]))
        owners.append(index)
      }
    }
    let tagged = model.tag(sentences.map { $0.map(\.text) })
    let capitalised = model.lists?.capitalised ?? []
    let firstNames = model.lists?.first ?? []
    let types = model.types
    var uses = [LowerCaseUses](repeating: LowerCaseUses(), count: texts.count)
    var sentencesOf = [[[Token]]](repeating: [], count: texts.count)
    for (sentence, (owner, result)) in zip(sentences, zip(owners, tagged)) {
      uses[owner].add(sentence, tags: result.tags)
      sentencesOf[owner].append(sentence)
    }
    var entities = [[EntityMention]](repeating: [], count: texts.count)
    // The words and types of each text's names written as brands.
    var brands = [[(words: [String], type: String)]](repeating: [], count: texts.count)
    for (sentence, (owner, result)) in zip(sentences, zip(owners, tagged)) {
      for var span in NamesData.entities(result.tags) {
        // A title before a name is not part of it (the CoNLL convention): `dr. jones` is
        // `jones`; nor is a byline's `By` part of any name, nor a label or greeting before a
        // person's (`About Clay`, `Author Amit Samsukha`, `Hello Olivia`, `Thanks, Rob`).
        while span.end - span.start > 1 {
          let word = sentence[span.start].text.lowercased()
          guard word == "by" || span.type == "PER" && (Self.titles.contains(word) || Self.labelWords.contains(word))
          else { break }
          span.start += 1
        }
        // Nor is a date's month after a person's name (`Sheena Vasani Mar 3`: a byline's name
        // and date in two elements).
        if span.type == "PER", span.end - span.start > 2, span.end < sentence.count,
          sentence[span.end].text.first?.isNumber == true,
          WrittenDate.months[sentence[span.end - 1].text.lowercased()] != nil
        {
          span.end -= 1
        }
        // A name that ends with the word an organisation puts after its founder's or its
        // place's name (`Steven Holl Architects`, `Sean Kelly Gallery`, `James Bailey Co.`)
        // is the organisation's.
        if span.type == "PER", span.end - span.start > 1, types.contains("ORG"),
          Self.organisationEndings.contains(sentence[span.end - 1].text.lowercased())
        {
          span.type = "ORG"
        }
        if Self.readsAsPhrase(sentence[span.start..<span.end], in: sentence, capitalised: capitalised) { continue }
        if span.type == "PER", span.end - span.start == 1, uses[owner].readsAsWord(sentence[span.start].text) {
          continue
        }
        var tokens = sentence[span.start..<span.end]
        // A footnote's or a count's number run into the last word of a person's name that
        // begins with a first name (`Jennifer Huberty1`, an author list's affiliation;
        // `Terrence O'Brien12`) is no part of it; a product's is (`Lofree Flow84`).
        if span.type == "PER", tokens.count >= 2, let last = tokens.last,
          firstNames.contains(tokens[tokens.startIndex].text.uppercased()),
          let digits = Self.trailingNumber(Array(last.text.unicodeScalars))
        {
          tokens[tokens.endIndex - 1] = Token(
            text: String(last.text.unicodeScalars.dropLast(digits)), start: last.start, end: last.end - digits)
        }
        let written = Self.writtenAs(tokens)
        switch written {
        case .code: continue
        case .site where span.type == "PER" && types.contains("ORG"): span.type = "ORG"
        case .brand where span.type == "PER":
          guard types.contains("MISC") else { continue }
          span.type = "MISC"
        case .site, .brand, nil: break
        }
        let start = tokens.first!.start
        let end = tokens.last!.end
        let text = Segmentation.text(scalarsOf[owner], start, end)
        if written == .brand { brands[owner].append((Self.nameWords(text), span.type)) }
        let confidence = min(1, max(0, result.confidence[span.start..<span.end].min().map(Double.init) ?? 0))
        entities[owner].append(
          EntityMention(type: span.type, text: text, start: start, end: end, confidence: confidence))
      }
    }
    return entities.enumerated().map { index, mentions in
      let pageSubjects = Self.given(subjects, index)
      let found = subjectMentions(
        tokensOf[index], scalars: scalarsOf[index], subjects: pageSubjects, modelTypes: types)
      let named = Self.commonWordsDropped(
        Self.unsurePeopleDropped(
          Self.brandParts(
            Self.documentRules(mentions, subjectMentions: found, subjects: pageSubjects, modelTypes: types),
            brands: brands[index])),
        uses: uses[index], sentences: sentencesOf[index], firstNames: firstNames)
      let read = Self.linkedSitesRead(named, sites: Self.given(linkedSites, index), modelTypes: types)
      let lines = Self.productLines(read, firstNames: firstNames)
      return (lines, Self.people(lines))
    }
  }

  /// `entities` of a text (as `tag` found them) as tags of its `tokens`, one list a sentence
  /// (`ranges`, the sentences' tokens): the tokens each entity touches `B-`/`I-` its type.
  public static func tokenTags(_ entities: [EntityMention], tokens: [Token], ranges: [Range<Int>]) -> [[String]] {
    var tags = [String](repeating: "O", count: tokens.count)
    for entity in entities {
      let covered = tokens.touching(entity.start, entity.end)
      for index in covered { tags[index] = (index == covered.lowerBound ? "B-" : "I-") + entity.type }
    }
    return ranges.map { range in
      var sentence = Array(tags[range])
      if let first = sentence.first, first.hasPrefix("I-") { sentence[0] = "B-" + first.dropFirst(2) }
      return sentence
    }
  }

  /// Where the text names one of its page's subjects in full: each occurrence of the name's
  /// tokens (ignoring case, with a capital letter or a digit in it as written), longest
  /// names first, never two on one token. Only names of two or more tokens or with a digit
  /// are looked for (`Nimbus 7`, `The Slow River`; not `Vortex`, a word of many uses). Such
  /// a mention is the page's own word for the thing: its confidence is 1.
  func subjectMentions(
    _ tokens: [Token], scalars: [Unicode.Scalar], subjects: [PageSubject], modelTypes: Set<String>
  ) -> [EntityMention] {
    guard !tokens.isEmpty else { return [] }
    var wanted: [(words: [String], type: String)] = []
    for subject in subjects {
      guard let type = Self.type(of: subject, modelTypes: modelTypes) else { continue }
      let words = tokenizer.tokenize(subject.name).map { $0.text.lowercased() }
      guard words.count >= 2 || subject.name.contains(where: \.isNumber),
        !wanted.contains(where: { $0.words == words })
      else { continue }
      wanted.append((words, type))
    }
    wanted.sort { $0.words.count > $1.words.count }
    let lowered = tokens.map { $0.text.lowercased() }
    var taken = [Bool](repeating: false, count: tokens.count)
    var found: [EntityMention] = []
    for (words, type) in wanted {
      var start = 0
      while start + words.count <= tokens.count {
        let range = start..<(start + words.count)
        guard lowered[range].elementsEqual(words), !taken[range].contains(true) else {
          start += 1
          continue
        }
        let text = Segmentation.text(scalars, tokens[range.lowerBound].start, tokens[range.upperBound - 1].end)
        guard text.contains(where: { $0.isUppercase || $0.isNumber }) else {
          start += 1
          continue
        }
        for position in range { taken[position] = true }
        found.append(
          EntityMention(
            type: type, text: text, start: tokens[range.lowerBound].start, end: tokens[range.upperBound - 1].end,
            confidence: 1))
        start = range.upperBound
      }
    }
    return found
  }

  /// The tagger's mentions with the page's subject mentions put in: a tagger mention that
  /// overlaps one gives way to it (`Nimbus 7 review: great camera` read as one ORG becomes
  /// the product `Nimbus 7`). In text order.
  static func placing(_ subjectMentions: [EntityMention], over mentions: [EntityMention]) -> [EntityMention] {
    guard !subjectMentions.isEmpty else { return mentions }
    let kept = mentions.filter { mention in
      !subjectMentions.contains { $0.start < mention.end && mention.start < $0.end }
    }
    return (kept + subjectMentions).sorted { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }
  }

  /// What is given for text `index`, its subjects or linked sites (none past the end of a
  /// shorter list).
  static func given<Item>(_ all: [[Item]]?, _ index: Int) -> [Item] {
    guard let all, all.indices.contains(index) else { return [] }
    return all[index]
  }

  /// The type a subject's name takes: a product or work MISC, a business or organisation
  /// ORG, a place LOC — when the model has that type.
  static func type(of subject: PageSubject, modelTypes: Set<String>) -> String? {
    let type: String
    switch PageSubject.categories[subject.type] {
    case .thing: type = "MISC"
    case .organisation: type = "ORG"
    case .place: type = "LOC"
    case nil: return nil
    }
    return modelTypes.contains(type) ? type : nil
  }

  /// What the page says beats what the tagger reads: a mention whose text is a subject's
  /// name (ignoring case, spacing and a possessive `'s`) takes the subject's type, so the
  /// film or product a page is about never counts among its people. Only whole names
  /// match: a person named in a work's title (`Frida Kahlo` in `Frida Kahlo: A Life`) stays a
  /// person.
  public static func subjectTypes(_ mentions: [EntityMention], subjects: [PageSubject], modelTypes: Set<String>)
    -> [EntityMention]
  {
    func key(_ text: String) -> String {
      var words = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
      for suffix in ["'s", "’s"] where words.hasSuffix(suffix) { words.removeLast(2) }
      return words
    }
    var typeOf: [String: String] = [:]
    for subject in subjects {
      guard let type = type(of: subject, modelTypes: modelTypes), typeOf[key(subject.name)] == nil else { continue }
      typeOf[key(subject.name)] = type
    }
    guard !typeOf.isEmpty else { return mentions }
    return mentions.map { mention in
      guard let type = typeOf[key(mention.text)] else { return mention }
      var retyped = mention
      retyped.type = type
      return retyped
    }
  }

  /// A span with two or more lower-case words that join nothing (`chemist wins national
  /// prize`; `iPad` is not such a word), in a sentence written with capitals, is a heading
  /// or a phrase, not a name: the tagger learnt long spans from WikiANN's list items and
  /// reads sentence-case headings (`Future of human resources management system`) as ORG.
  /// Where a sentence has no capital at all, case says nothing and the span stays; nor is
  /// a word that cased text usually writes capitalised (`capitalised`, the model's list:
  /// `marlon brando`) a phrase's word.
  static func readsAsPhrase(_ span: ArraySlice<Token>, in sentence: [Token], capitalised: Set<String> = []) -> Bool {
    var lowerWords = 0
    for token in span {
      let scalars = token.text.unicodeScalars
      guard let first = scalars.first, first.properties.isLowercase,
        !scalars.contains(where: \.properties.isUppercase),
        !NameFeatures.joiningWords.contains(token.text),
        !capitalised.contains(NameFeatures.listKey(token.text))
      else { continue }
      lowerWords += 1
    }
    guard lowerWords >= 2 else { return false }
    return hasCapital(sentence)
  }

  /// Whether a sentence is written with capitals: a token of it holds an upper-case letter.
  static func hasCapital(_ sentence: [Token]) -> Bool {
    sentence.contains { $0.text.unicodeScalars.contains(where: \.properties.isUppercase) }
  }

  /// How a document uses each word it writes all in lower case: how often, and how often
  /// the tagger reads it as a person or part of one. A lone lower-case word read as a person
  /// in fewer than half of its uses is the word the page means everywhere else, not someone
  /// (`pacman`, `nginx` and `sudo` in a how-to, `orange` in a code sample, `bill` in `your
  /// monthly power bill`): over WCXB's 1,356 pages this drops 157 of the 438 lone lower-case
  /// people the tagger read, and 45 of the pages' 6,506 people, every one a program, a command,
  /// a word of code or prose, or a forum handle (which, like an @handle, is no name here). A
  /// word written once is left as read (`hi, i'm daniel`), as is one the tagger reads as a
  /// person in most of its uses, and every word of a document most of whose sentences have
  /// no capital at all (where case says nothing of a word).
  struct LowerCaseUses {
    var counts: [String: (uses: Int, asPerson: Int)] = [:]
    var sentences = 0
    var casedSentences = 0

    mutating func add(_ sentence: [Token], tags: [String]) {
      sentences += 1
      if DocumentNames.hasCapital(sentence) { casedSentences += 1 }
      for (token, tag) in zip(sentence, tags) where Self.isLowerCase(token.text) {
        counts[token.text, default: (0, 0)].uses += 1
        if tag.hasSuffix("-PER") { counts[token.text, default: (0, 0)].asPerson += 1 }
      }
    }

    /// Whether a document written mostly with capitals (where case says something of a
    /// word) writes `word`, lower-case, in fewer than half of its uses as a person.
    func readsAsWord(_ word: String) -> Bool {
      guard mostlyCased, let count = counts[word] else { return false }
      return 2 * count.asPerson < count.uses
    }

    /// Whether most of the document's sentences are written with capitals, so that case
    /// says something of a word.
    var mostlyCased: Bool { 2 * casedSentences > sentences }

    static func isLowerCase(_ text: String) -> Bool {
      let scalars = text.unicodeScalars
      return scalars.contains(where: \.properties.isLowercase) && !scalars.contains(where: \.properties.isUppercase)
    }
  }

  /// What a span is when one of its tokens is written as code or a web address: a word
  /// joined by `_` (`zip_longest`, `Mr_Enigmatic`, `SOME_MACRO`) or by a dot between three
  /// letters or digits and two (`console.log`, `json.dumps`, `fmt.Errorf`, `Promise.all`) is
  /// code or a handle, and no name (documentation pages are full of them: on WCXB's 1,356
  /// pages the tagger read 204 such spans as people). A dot before a capital after a
  /// capitalised word (`Smith.He`, a space left out) and initials (`J.K.`, `St.Louis`) are
  /// not code, nor is a library named as its makers write it (`Node.js`). A word ending in
  /// a web domain (`Booking.com`, `Judge.me`, `Levels.fyi`) is a site. A word written as
  /// brands, programs and handles are (`brandLike`: `GitHub`, `TypeError`, `ZimaOS`) is a
  /// brand.
  enum WrittenAs { case code, site, brand }

  static func writtenAs(_ span: ArraySlice<Token>) -> WrittenAs? {
    var site = false
    var brand = false
    for token in span {
      let scalars = Array(token.text.unicodeScalars)
      if !brand, brandLike(scalars) || modelNumberLike(scalars) { brand = true }
      func isWord(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
      }
      if let dot = scalars.lastIndex(of: "."), dot >= 2, isWord(scalars[dot - 1]), isWord(scalars[dot - 2]),
        webDomains.contains(String(String.UnicodeScalarView(scalars[(dot + 1)...])).lowercased())
      {
        site = true
        continue
      }
      for (index, scalar) in scalars.enumerated() where scalar == "_" || scalar == "." {
        guard index > 0, index + 1 < scalars.count, isWord(scalars[index - 1]), isWord(scalars[index + 1]) else {
          continue
        }
        if scalar == "_" { return .code }
        var left = index
        while left > 0, isWord(scalars[left - 1]) { left -= 1 }
        var right = index + 1
        while right < scalars.count, isWord(scalars[right]) { right += 1 }
        guard index - left >= 3, right - index - 1 >= 2 else { continue }
        // `Node.js`, `Vue.js`: a library's name, as its makers write it (`stripe.js` is a file).
        let library =
          right == scalars.count && String(String.UnicodeScalarView(scalars[(index + 1)...])) == "js"
          && scalars[left].properties.isUppercase
        if !library, scalars[index + 1].properties.isLowercase || scalars[left].properties.isLowercase {
          return .code
        }
      }
    }
    return site ? .site : brand ? .brand : nil
  }

  /// Whether a word (its scalars) is written as brands, programs and handles are and
  /// people's names are not: with a capital inside it after a lower-case letter (`GitHub`, `iPhone`,
  /// `TypeError`, `ZimaOS`, `KyleTeal`), or after two capitals and before two lower-case
  /// letters (`JSONEncoder`) — unless what stands before that capital is a name's own prefix
  /// (`McCartney`, `MacArthur`, `DeShawn`, `LeBron`, `DiCaprio`, `Ferguson-McKenzie`, Irish
  /// `Ó hÚigínn`). On WCXB's 1,356 pages 297 of the 6,093 people held such a word, all but
  /// about 30 of them programs, products, companies and errors (the rest forum handles and a
  /// few people, `Mark SubbaRao`); of the dev files' gold people, 11 of 6,589 (CoNLL-2003
  /// `MaliVai Washington`; WNUT-17's YouTubers `iDubbbz`, `NoBiggieTV`).
  static func brandLike(_ scalars: [Unicode.Scalar]) -> Bool {
    var start = 0
    for index in scalars.indices {
      let scalar = scalars[index]
      guard scalar.properties.isAlphabetic else {
        start = index + 1
        continue
      }
      guard index > start else { continue }
      let before = scalars[index - 1]
      if scalar.properties.isUppercase, before.properties.isLowercase {
        let prefix = String(String.UnicodeScalarView(scalars[start..<index]))
        if !namePrefixes.contains(prefix) { return true }
      } else if scalar.properties.isLowercase, index - start >= 2, before.properties.isUppercase,
        scalars[index - 2].properties.isUppercase, index + 2 < scalars.count,
        scalars[index + 1].properties.isLowercase, scalars[index + 2].properties.isLowercase
      {
        return true
      }
    }
    return false
  }

  /// Whether a word holds letters and digits, as model numbers and handles do (`RSC200`,
  /// `P30i`, `GDDR5`, `SC-550`, `Delta-8`, `Pippin06`) and names do not: an ordinal (`3rd`,
  /// `18th`, a peer's title in WikiANN) is no such word. Of the dev files' gold people, 4 of
  /// 6,589 hold one, all WikiANN's (`Ryukishi07`, `Sh15uya`, and two names run into the
  /// ordinal after them).
  static func modelNumberLike(_ scalars: [Unicode.Scalar]) -> Bool {
    var letters = 0
    var digits = 0
    for scalar in scalars {
      if ("0"..."9").contains(scalar) {
        digits += 1
      } else if scalar.properties.isAlphabetic {
        letters += 1
      }
    }
    guard letters > 0, digits > 0 else { return false }
    let text = String(String.UnicodeScalarView(scalars)).lowercased()
    let ordinal = ["st", "nd", "rd", "th"].contains { text.hasSuffix($0) && digits == text.count - 2 }
    return !ordinal
  }

  /// How many digits (one or two) end a word written as a name (a capital, then letters,
  /// the last lower-case) that the number was run into; nil for any other word.
  static func trailingNumber(_ scalars: [Unicode.Scalar]) -> Int? {
    let digits = scalars.reversed().prefix { ("0"..."9").contains($0) }.count
    let word = scalars.dropLast(digits)
    guard (1...2).contains(digits), word.count >= 2, let first = word.first, first.properties.isUppercase,
      let end = word.last, end.properties.isLowercase,
      word.allSatisfy({ $0.properties.isAlphabetic || $0 == "'" || $0 == "’" || $0 == "-" })
    else { return nil }
    return digits
  }

  /// What stands before a capital inside a surname or first name.
  static let namePrefixes: Set<String> = [
    "Mc", "Mac", "De", "Di", "Da", "Du", "Del", "Della", "La", "Le", "Lo", "Van", "Von", "Ver", "Fitz", "Ja", "Ka",
    "Ke", "Sha", "Ty", "h", "n", "t",
  ]

  static let webDomains: Set<String> = [
    "com", "org", "net", "edu", "gov", "io", "ai", "co", "uk", "de", "fr", "nl", "au", "ca", "nz", "ie", "eu", "jp",
    "es", "us", "tv", "fm", "ly", "me", "in", "fi", "dev", "app", "fyi", "chat",
  ]

  /// Words that end organisations' names and no person's. (`Hall`, `Park`, `House`, `Street`
  /// and `Press` end both: `Chris Hall`, `David Park`.)
  static let organisationEndings: Set<String> = [
    "architects", "associates", "instruments", "foundation", "group", "inc", "inc.", "ltd", "ltd.", "llc", "co.",
    "company", "partners", "studios", "studio", "labs", "bequest", "trust", "institute", "university", "college",
    "gallery", "museum", "collection", "design", "designs", "prize", "award", "awards", "systems", "technologies",
    "solutions", "services", "consulting", "ventures", "holdings", "industries", "agency", "corporation", "corp",
    "corp.",
  ]

  /// Words a page writes before a person's name that are no part of it: labels and
  /// greetings (and the comma after one).
  static let labelWords: Set<String> = ["about", "author", "hello", "hi", "hey", "dear", "thanks", "photo", ","]

  static let titles: Set<String> = [
    "mr.", "mrs.", "ms.", "dr.", "prof.", "mr", "mrs", "ms", "dr", "prof", "mayor", "president", "senator", "sen.",
    "governor", "gov.", "judge", "minister", "chancellor", "rev.", "reverend", "coach", "gen.", "col.", "capt.",
    "sgt.", "lt.",
  ]

  /// The tagger's readings of one document made to agree: `consistentTypes`; then the
  /// page's word on its subjects overrides them (`placing` the text's `subjectMentions`,
  /// `subjectTypes`; none without subjects); then `personParts`, last, so a part of a name
  /// the page says is a product does not become a person. Without subjects, one mention out
  /// for each in, in order. On CoNLL-2003 dev cut into its 214 stories (no subjects) they
  /// raise overall F1 from 92.58 to 92.87 (PER 95.34 to 95.64; the tagger of 2026-12-05);
  /// making every name take one type, whatever its readings, had lowered it to 92.09 (a
  /// country is LOC in one sentence and its team ORG in the next).
  public static func documentRules(
    _ mentions: [EntityMention], subjectMentions: [EntityMention] = [], subjects: [PageSubject] = [],
    modelTypes: Set<String> = []
  ) -> [EntityMention] {
    let agreed = consistentTypes(mentions)
    return personParts(
      subjectTypes(placing(subjectMentions, over: agreed), subjects: subjects, modelTypes: modelTypes))
  }

  /// The confidence below which no mention of a person is sure enough to name one.
  public static let leastPersonConfidence = 0.4

  /// A person the tagger is unsure of wherever the document names them (every mention's
  /// least sure token below `leastPersonConfidence`) is left out, with those mentions. On
  /// WCXB's 1,356 pages that is 352 of 6,461 people, of whom 37 in a sample of 40 are
  /// products, software, headings and words run together (`Fitness Buddy`, `Grafana`,
  /// `Full-text Search`, `useState('Edward`). Each dev sentence read as a document, PER F1
  /// rises on every source: CoNLL-2003 96.90 → 96.98, WNUT-17 (held-out half) 72.2 → 72.6,
  /// WikiANN 80.8 → 81.4 (4,000 of its dev sentences; `Benchmarks/scripts/
  /// people_as_documents.py`); a cut at 0.5 would cost WNUT-17 0.7.
  public static func unsurePeopleDropped(_ mentions: [EntityMention]) -> [EntityMention] {
    let unsure = Set(people(mentions).filter { $0.confidence < leastPersonConfidence }.flatMap(\.forms))
    guard !unsure.isEmpty else { return mentions }
    return mentions.filter { $0.type != "PER" || !unsure.contains($0.text) }
  }

  /// A person whose name the page also writes in lower case, as words — a one-word name at
  /// least once where the tagger reads no one there (`Ray Tracing` beside `ray tracing`,
  /// `Budget` beside `on a budget`, `Bill` of a tip chart beside `bill totals`, `Sherry`
  /// beside `styles of sherry`) — is that word or phrase capitalised in a heading or a list,
  /// not someone, and is left out with every mention, unless the name has two words or more
  /// and begins with a first name (`Marlon Brando`, `Jane Austen` typed small in a search
  /// box or a comment). On WCXB's pages that is 132 of 5,679 people, two of them someone (a
  /// mover `Mark` beside `mark the end`, the rapper `Woods` beside `out of the woods`); on
  /// the dev files' people, none.
  static func commonWordsDropped(
    _ mentions: [EntityMention], uses: LowerCaseUses, sentences: [[Token]], firstNames: Set<String>
  ) -> [EntityMention] {
    guard uses.mostlyCased else { return mentions }
    var common: [Person] = []
    // Names of two to four words, lower-cased, and the people they name.
    var phrases: [String: [Person]] = [:]
    for person in people(mentions) {
      let words = person.name.split(separator: " ").map { $0.lowercased() }
      guard words.count <= 4, words.joined(separator: " ") != person.name else { continue }
      if words.count == 1 {
        if let count = uses.counts[words[0]], count.uses > count.asPerson { common.append(person) }
      } else if !firstNames.contains(words[0].uppercased()) {
        phrases[words.joined(separator: " "), default: []].append(person)
      }
    }
    if !phrases.isEmpty {
      let firstWords = Set(phrases.keys.map { String($0.prefix { $0 != " " }) })
      for sentence in sentences {
        for start in sentence.indices where firstWords.contains(sentence[start].text) {
          var phrase = sentence[start].text
          for end in (start + 1)..<min(start + 4, sentence.count) {
            guard LowerCaseUses.isLowerCase(sentence[end].text) else { break }
            phrase += " " + sentence[end].text
            if let named = phrases.removeValue(forKey: phrase) { common += named }
          }
        }
      }
    }
    guard !common.isEmpty else { return mentions }
    let forms = Set(common.flatMap(\.forms))
    return mentions.filter { $0.type != "PER" || !forms.contains($0.text) }
  }

  /// A person named by one word that is the name of a site the page links to (`Xero` on a
  /// page linking to `xero.com`, `Spark` beside a link to `spark.apache.org`, `Levi's` beside
  /// `levi.com`) is that site's business or product, not someone: its mentions are ORG (left
  /// out when the model has no ORG), unless a longer name of a person on the page holds the
  /// word (`Filippo` beside `Filippo Valsorda`). The page's own site is not among `sites`: a
  /// personal site bears its writer's name. On WCXB's pages that is 78 of 5,547 people,
  /// none of them someone by a reading of the list (`Filippo` on his own `words.filippo.io`
  /// stays).
  static func linkedSitesRead(_ mentions: [EntityMention], sites: [String], modelTypes: Set<String>)
    -> [EntityMention]
  {
    guard !sites.isEmpty else { return mentions }
    let linked = Set(sites)
    var longer = Set<String>()
    for mention in mentions where mention.type == "PER" {
      let words = nameWords(mention.text)
      if words.count > 1 { longer.formUnion(words) }
    }
    func isSite(_ mention: EntityMention) -> Bool {
      guard mention.type == "PER" else { return false }
      let words = nameWords(mention.text)
      return words.count == 1 && linked.contains(words[0]) && !longer.contains(words[0])
    }
    guard modelTypes.contains("ORG") else { return mentions.filter { !isSite($0) } }
    return mentions.map { mention in
      guard isSite(mention) else { return mention }
      var retyped = mention
      retyped.type = "ORG"
      return retyped
    }
  }

  /// A person's name of two words or more whose first word begins another name of the page,
  /// a business's or a product's (ORG or MISC, two words or more, not the person's name
  /// with more after it), is one of that brand's line and takes the other name's type:
  /// `Scarpa Instinct` beside `Scarpa Drago`, `Crusher Evo` beside `Crusher ANC 2`, `Amazon
  /// Polly` beside `Amazon Comprehend`; so do a word or two of it named alone (`Polly`,
  /// `Scarpa`), which the people table had counted as that person. A first word that is a
  /// census first name (or first names joined by a hyphen), a title, a name's particle or an
  /// initial proves nothing (`John Smith` beside `John Lewis Partnership`, `Abraham-Louis
  /// Perrelet` beside the watchmaker `Abraham-Louis Breguet`, `de Jong` beside `De
  /// Graafschap`, `Lord Hamilton`); nor does a longer name that holds the person's
  /// (`Dawoud Bey` beside the exhibition `Dawoud Bey: An American Project`). On WCXB's
  /// pages that is 107 of 5,392 people, 4 of them someone's (`Jiro Ono` beside the film `Jiro Dreams of Sushi`, a
  /// footballer `Whiteman` beside a squad list's `Whiteman Trained`); on CoNLL-2003 dev's
  /// stories 6 false people (`Reynard Honda`, a racing car) and no true one.
  static func productLines(_ mentions: [EntityMention], firstNames: Set<String>) -> [EntityMention] {
    var others: [String: [(words: [String], type: String)]] = [:]
    for mention in mentions where mention.type == "ORG" || mention.type == "MISC" {
      let words = nameWords(mention.text)
      if words.count > 1 { others[words[0], default: []].append((words, mention.type)) }
    }
    guard !others.isEmpty else { return mentions }
    var lines: [(words: [String], type: String)] = []
    let read = mentions.map { mention in
      guard mention.type == "PER" else { return mention }
      let words = nameWords(mention.text)
      guard words.count > 1, let first = mention.text.split(separator: " ").first,
        !first.split(separator: "-").allSatisfy({ firstNames.contains($0.uppercased()) }),
        !titles.contains(words[0]), !nameParticles.contains(words[0]), !first.hasSuffix("."), first.count > 1
      else { return mention }
      let siblings = (others[words[0]] ?? []).filter { !$0.words.starts(with: words) }
      guard let earliest = siblings.first else { return mention }
      // The more common type among them; on a tie, the first one's.
      let misc = siblings.filter { $0.type == "MISC" }.count
      let org = siblings.count - misc
      var retyped = mention
      retyped.type = misc == org ? earliest.type : misc > org ? "MISC" : "ORG"
      lines.append((words, retyped.type))
      return retyped
    }
    return parts(read, of: lines) { $0.type == "PER" }
  }

  /// Words that begin a name without saying whose: titles of rank and the particles of
  /// family names.
  static let nameParticles: Set<String> = [
    "lord", "lady", "sir", "dame", "king", "queen", "prince", "princess", "saint", "st", "pope", "father", "sister",
    "de", "van", "von", "da", "di", "le", "la", "du", "del", "della", "der", "den", "ten", "ter", "dos", "das", "al",
    "el", "bin", "ibn", "mc", "mac", "o",
  ]

  /// One person, or one product or work, within a document: when the same text is tagged
  /// PER or MISC once and another type elsewhere, every mention takes the type with the
  /// largest summed confidence (ties: the first mention's). A product tagged MISC in one
  /// sentence and PER or LOC in another is then one thing, and not counted as a person.
  /// Names read only as ORG and LOC keep each reading (a country and its national team).
  public static func consistentTypes(_ mentions: [EntityMention]) -> [EntityMention] {
    var votes: [String: [(type: String, weight: Double)]] = [:]
    for mention in mentions {
      var tally = votes[mention.text, default: []]
      if let index = tally.firstIndex(where: { $0.type == mention.type }) {
        tally[index].weight += mention.confidence
      } else {
        tally.append((mention.type, mention.confidence))
      }
      votes[mention.text] = tally
    }
    return mentions.map { mention in
      guard let tally = votes[mention.text], tally.count > 1,
        tally.contains(where: { $0.type == "PER" || $0.type == "MISC" })
      else {
        return mention
      }
      var winner = tally[0]
      for candidate in tally.dropFirst() where candidate.weight > winner.weight { winner = candidate }
      var retyped = mention
      retyped.type = winner.type
      return retyped
    }
  }

  /// A mention of one or two words that all occur, in order, in a longer PER name of the
  /// same document (`Ferrand` after `Odile Ferrand`) is that person, whatever type it was
  /// read as.
  public static func personParts(_ mentions: [EntityMention]) -> [EntityMention] {
    let names = mentions.filter { $0.type == "PER" }.map { (words: nameWords($0.text), type: "PER") }
    return parts(mentions, of: names.filter { $0.words.count > 1 }) { $0.type != "PER" }
  }

  /// A person's mention of one or two words that all occur, in order, in a longer name of
  /// the same document written as a brand (`brands`: each name's `nameWords` and type) of at
  /// most four words is part of that name and takes its type, not someone: `Bose` beside
  /// `Bose QuietComfort`, `Copilot` beside `GitHub Copilot`. (A longer span is a phrase the
  /// tagger ran on, `ByANI A portrait of Queen Elizabeth II`, whose people stay.)
  static func brandParts(_ mentions: [EntityMention], brands: [(words: [String], type: String)]) -> [EntityMention] {
    parts(mentions, of: brands.filter { $0.type != "PER" && $0.words.count <= 4 }) { $0.type == "PER" }
  }

  /// Each mention `retyped` accepts, of one or two words that all occur, in order, in a
  /// longer name of `names` (`nameWords` and type), takes the first such name's type.
  static func parts(
    _ mentions: [EntityMention], of names: [(words: [String], type: String)], retyped: (EntityMention) -> Bool
  ) -> [EntityMention] {
    guard !names.isEmpty else { return mentions }
    return mentions.map { mention in
      guard retyped(mention) else { return mention }
      let key = nameWords(mention.text)
      guard (1...2).contains(key.count),
        let name = names.first(where: { $0.words.count > key.count && isPart(key, of: $0.words) })
      else { return mention }
      var part = mention
      part.type = name.type
      return part
    }
  }

  /// A name's words as compared: lower-cased, without possessive endings and punctuation.
  static func nameWords(_ name: String) -> [String] {
    name.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { word in
      var lower = word.lowercased()
      for suffix in ["'s", "’s"] where lower.hasSuffix(suffix) { lower.removeLast(2) }
      return lower.trimmingCharacters(in: .punctuationCharacters)
    }.filter { !$0.isEmpty }
  }

  /// Whether every word of `short` occurs in `long`, in order.
  static func isPart(_ short: [String], of long: [String]) -> Bool {
    var index = long.startIndex
    for word in short {
      guard let found = long[index...].firstIndex(of: word) else { return false }
      index = found + 1
    }
    return true
  }

  /// Groups the PER mentions of a document: a mention whose words all occur, in order, in
  /// a longer name already seen (`Obama` in `Barack Obama`) is the same person; the longest
  /// form names the person. Possessive endings are ignored when comparing.
  public static func people(_ mentions: [EntityMention]) -> [Person] {
    let words = nameWords
    let persons = mentions.filter { $0.type == "PER" }
    // Longest names first, so shorter mentions find the full name they belong to.
    // Ties go to the earlier mention, so an ambiguous short form joins the person named first.
    let lengths = persons.map { words($0.text).count }
    let order = persons.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    var groups: [(words: [String], person: Person, first: Int)] = []
    // The groups holding each word, in the order they were made: a name's group holds every
    // word of it, so only the groups of its rarest word are tried (a page of thousands of
    // names stays fast).
    var holding: [String: [Int]] = [:]
    for index in order {
      let mention = persons[index]
      let key = words(mention.text)
      guard !key.isEmpty else { continue }
      let candidates = key.map { holding[$0] ?? [] }.min { $0.count < $1.count } ?? []
      if let group = candidates.first(where: { isPart(key, of: groups[$0].words) }) {
        groups[group].person.mentions += 1
        if !groups[group].person.forms.contains(mention.text) { groups[group].person.forms.append(mention.text) }
        groups[group].person.confidence = max(groups[group].person.confidence, mention.confidence)
        groups[group].first = min(groups[group].first, index)
      } else {
        for word in Set(key) { holding[word, default: []].append(groups.count) }
        groups.append(
          (key, Person(name: mention.text, mentions: 1, forms: [mention.text], confidence: mention.confidence), index))
      }
    }
    return groups.sorted {
      $0.person.mentions != $1.person.mentions ? $0.person.mentions > $1.person.mentions : $0.first < $1.first
    }
    .map(\.person)
  }
}
