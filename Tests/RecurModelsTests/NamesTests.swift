import Foundation
import RecurNN
import RecurText
import XCTest

@testable import RecurModels

/// Tagged files, the CoNLL entity rules, features, grouping of people, and a small tagger
/// trained in the test (reproducible, offsets exact, same alone or batched).
final class NamesTests: XCTestCase {
  func testTaggedFilesAreReadAndBadLinesNamed() throws {
    let sentences = try NamesData.parse(
      "-DOCSTART-\tO\n\nPeter\tB-PER\nBlackburn\tI-PER\n\nBRUSSELS\tB-LOC\n1996-08-22\tO\n", name: "t.tsv")
    XCTAssertEqual(sentences.count, 2)
    XCTAssertEqual(sentences[0], TaggedSentence(tokens: ["Peter", "Blackburn"], tags: ["B-PER", "I-PER"]))
    XCTAssertEqual(NamesData.types(sentences), ["LOC", "PER"])
    XCTAssertThrowsError(try NamesData.parse("Peter\tB-PER\nno-tag-here\n", name: "t.tsv")) { error in
      XCTAssertTrue("\(error)".contains("t.tsv:2"), "\(error)")
    }
    XCTAssertThrowsError(try NamesData.parse("Peter\tPERSON\n", name: "t.tsv")) { error in
      XCTAssertTrue("\(error)".contains("t.tsv:1"), "\(error)")
    }
    XCTAssertThrowsError(try NamesData.parse("\n\n", name: "empty.tsv"))
    // The original CoNLL-2003 layout: `token POS chunk tag`, spaces between, IOB1 tags.
    let original = try NamesData.parse(
      "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n", name: "eng.testa")
    XCTAssertEqual(
      original, [TaggedSentence(tokens: ["EU", "rejects", "German"], tags: ["I-ORG", "O", "I-MISC"])])
    XCTAssertEqual(NamesData.entities(original[0].tags).map(\.type), ["ORG", "MISC"])
    // BIOES (and BILOU) tags read as the IOB2 tags of the same names.
    XCTAssertEqual(
      try NamesData.parse("Peter\tB-PER\nBlackburn\tE-PER\n\nBRUSSELS\tS-LOC\n1996-08-22\tO\n", name: "t.tsv"),
      sentences)
    XCTAssertEqual(
      try NamesData.parse("Peter\tB-PER\nBlackburn\tL-PER\n\nBRUSSELS\tU-LOC\n1996-08-22\tO\n", name: "t.tsv"),
      sentences)
    // Windows line ends, and a byte-order mark before the first line, read as the same sentences.
    let marked = FileManager.default.temporaryDirectory.appendingPathComponent("recur-bom-\(UUID().uuidString).tsv")
    defer { try? FileManager.default.removeItem(at: marked) }
    try Data(
      "\u{FEFF}-DOCSTART-\tO\r\n\r\nPeter\tB-PER\r\nBlackburn\tI-PER\r\n\r\nBRUSSELS\tB-LOC\r\n1996-08-22\tO\r\n".utf8
    )
    .write(to: marked)
    XCTAssertEqual(try NamesData.load(marked.path), sentences)
    XCTAssertEqual(
      try NamesData.parse(
        "-DOCSTART-\tO\r\n\r\nPeter\tB-PER\r\nBlackburn\tI-PER\r\n\r\nBRUSSELS\tB-LOC\r\n1996-08-22\tO\r\n",
        name: "t.tsv"),
      sentences)
  }

  func testEntitiesFollowTheCoNLLRules() {
    let tags = ["B-PER", "I-PER", "O", "I-ORG", "I-ORG", "B-ORG", "I-LOC", "B-MISC"]
    XCTAssertEqual(
      NamesData.entities(tags),
      [
        EntitySpan(type: "PER", start: 0, end: 2), EntitySpan(type: "ORG", start: 3, end: 5),
        EntitySpan(type: "ORG", start: 5, end: 6), EntitySpan(type: "LOC", start: 6, end: 7),
        EntitySpan(type: "MISC", start: 7, end: 8),
      ])
    var evaluation = EntityEvaluation()
    evaluation.add(
      gold: ["B-PER", "I-PER", "O", "B-LOC"], predicted: ["B-PER", "O", "O", "B-LOC"], types: ["PER", "LOC"])
    evaluation.add(gold: ["B-ORG", "O"], predicted: ["B-ORG", "B-PER"], types: ["PER", "LOC"])
    XCTAssertEqual(evaluation.overall.truePositives, 1)
    XCTAssertEqual(evaluation.overall.predicted, 3)
    XCTAssertEqual(evaluation.overall.gold, 2)
    XCTAssertEqual(evaluation.perType["PER"]?.f1 ?? -1, 0)
    XCTAssertEqual(evaluation.perType["LOC"]?.f1 ?? -1, 1)
    XCTAssertNil(evaluation.perType["ORG"], "types the file does not use are not scored")
  }

  func testFeaturesAndNameLists() throws {
    let lists = NameLists(first: ["JOHN"], last: ["OBRIEN", "O'BRIEN", "WHITE"])
    let features = NameFeatures.features(["John", "O'Brien's", "WHITE", "house", "1996", "."], lists: lists)
    func on(_ row: Int, _ name: String) -> Bool { features[row][NameFeatures.names.firstIndex(of: name)!] == 1 }
    XCTAssertTrue(on(0, "capitalised") && on(0, "first_name") && on(0, "sentence_start"))
    XCTAssertTrue(on(1, "last_name") && on(1, "inner_hyphen_or_apostrophe"))
    XCTAssertTrue(on(2, "all_caps") && on(2, "last_name"))
    XCTAssertTrue(on(3, "lower") && !on(3, "last_name"))
    XCTAssertTrue(on(4, "has_digit") && on(4, "no_letters"))
    XCTAssertTrue(on(5, "no_letters"))

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-names-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (file, body) in [
      ("dist.male.first", "JAMES          3.318  3.318      1\nJOHN           3.271  6.589      2\n"),
      ("dist.female.first", "MARY           2.629  2.629      1\n"),
      ("dist.all.last", "SMITH          1.006  1.006      1\nJOHNSON        0.810  1.816      2\n"),
    ] {
      try body.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
    }
    let loaded = try NameLists.load(directory: folder.path, maxLast: 1)
    XCTAssertEqual(loaded.first, ["JAMES", "JOHN", "MARY"])
    XCTAssertEqual(loaded.last, ["SMITH"])
    try "garbage line\n".write(to: folder.appendingPathComponent("dist.all.last"), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try NameLists.load(directory: folder.path)) { error in
      XCTAssertTrue("\(error)".contains("dist.all.last:1"), "\(error)")
    }
  }

  /// A word cased text writes capitalised inside sentences is `usually_capitalised` however
  /// it is written; a sentence's first word, a word after a quote or colon, a word seen
  /// capitalised fewer than three times or mostly in lower case is not.
  func testWordsCasedTextWritesCapitalisedAreAFeature() {
    let text = [
      ["We", "met", "Dara", "at", "the", "Market", "."], ["Later", ",", "Dara", "'s", "sister", "came", "."],
      ["Ask", "Dara", "and", "Bruno", "."], ["Market", "day", "with", "Bruno", "."],
      ["She", "said", "\"", "Hello", "there", "\"", "and", "left", "."], ["Hello", "again", "."],
      ["A", "Hello", "Kitty", "bag", "."], ["A", "Hello", "Kitty", "mug", "."], ["A", "Hello", "Kitty", "pen", "."],
      ["hello", "said", "the", "hello", "girl", "hello", "hello", "hello"],
      ["the", "OSLO", "trip", "and", "Oslo", "."],
      ["to", "Oslo", "and", "Oslo", "again", "oslo"], ["Dara's", "way"],
    ]
    var counts = CapitalisationCounts()
    for sentence in text { counts.add(sentence) }
    let words = counts.words(minimum: 3, share: 0.5)
    XCTAssertEqual(words, ["DARA", "KITTY", "OSLO"])
    let lists = NameLists(first: ["DARA"], last: [], capitalised: words)
    let features = NameFeatures.features(["dara", "KITTY", "Oslo's", "hello", "Bruno"], lists: lists)
    XCTAssertEqual(features.map(\.count), Array(repeating: NameFeatures.count(readingCapitalisation: true), count: 5))
    let usually = NameFeatures.names.firstIndex(of: "usually_capitalised")!
    XCTAssertEqual(features.map { $0[usually] }, [1, 1, 1, 0, 0])
    var uncased = lists
    uncased.capitalisedWhereUncased = true
    XCTAssertEqual(
      NameFeatures.features(["dara", "KITTY", "Oslo's", "hello", "Bruno"], lists: uncased).map { $0[usually] },
      [1, 1, 0, 0, 0], "a token written capitalised reads as without the words")
    XCTAssertEqual(
      NameFeatures.features(["dara"], lists: NameLists(first: ["DARA"], last: []))[0].count,
      NameFeatures.count(readingCapitalisation: false), "lists without the words give the features before them")
  }

  /// The byte path for printable ASCII tokens gives what the character path gives.
  func testASCIIFeaturesMatchTheCharacterPath() {
    let lists = NameLists(
      first: ["MARY", "O'NEIL"], last: ["SMITH", "MCDONALD'S"], capitalised: ["SMITH", "ZOË", "3M"])
    let tokens = [
      "Mary", "MARY", "mary", "Smith's", "SMITH'S", "smith'S", "O'Neil", "McDonald's", "-", "'", "a-b", "-ab", "ab-",
      "x'", "3M", "1996-08-22", "$", "A", "AB", "aB", "Ab1", "'S", "S", "e-mail", "U.S.", "@handle", "#tag", "IBM's",
    ]
    var uncased = lists
    uncased.capitalisedWhereUncased = true
    for token in tokens {
      for first in [true, false] {
        for lists in [lists, uncased] {
          XCTAssertEqual(
            NameFeatures.printableASCIIFeatures(token, first: first, lists: lists),
            NameFeatures.characterFeatures(token, first: first, lists: lists), token)
        }
      }
    }
    XCTAssertNil(NameFeatures.printableASCIIFeatures("Zoë", first: false, lists: lists))
    XCTAssertNil(NameFeatures.printableASCIIFeatures("O’Neil", first: false, lists: lists))
  }

  func testOneNameTakesOneTypeInADocument() {
    func mention(_ text: String, _ type: String, _ confidence: Double) -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: confidence)
    }
    let mentions = [
      mention("Lantern Kettle", "MISC", 0.55), mention("Priya Natarajan", "PER", 0.96),
      mention("Lantern Kettle", "PER", 0.45), mention("Jordan", "LOC", 0.5), mention("Jordan", "PER", 0.5),
      mention("Nimbus 7", "LOC", 0.4), mention("Nimbus 7", "MISC", 0.5),
    ]
    let consistent = DocumentNames.consistentTypes(mentions)
    XCTAssertEqual(consistent.map(\.type), ["MISC", "PER", "MISC", "LOC", "LOC", "MISC", "MISC"])
    XCTAssertEqual(consistent.map(\.confidence), mentions.map(\.confidence))
    XCTAssertEqual(DocumentNames.people(consistent).map(\.name), ["Priya Natarajan"])
  }

  func testAPagesSubjectsTakeTheirOwnTypeWhateverTheTaggerRead() {
    func mention(_ text: String, _ type: String) -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: 0.6)
    }
    let subjects = [
      PageSubject(name: "Harbour  Lights", type: "Movie"), PageSubject(name: "The Copper Pot", type: "Restaurant"),
      PageSubject(name: "Frida Kahlo: A Life", type: "Book"), PageSubject(name: "Old Town", type: "City"),
      PageSubject(name: "Nadia Rossi", type: "Person"),
    ]
    let mentions = [
      mention("Harbour Lights", "PER"), mention("harbour lights's", "ORG"), mention("the Copper Pot", "PER"),
      mention("Frida Kahlo", "PER"), mention("Old Town", "PER"), mention("Nadia Rossi", "PER"),
      mention("Harbour", "PER"),
    ]
    let typed = DocumentNames.subjectTypes(mentions, subjects: subjects, modelTypes: ["PER", "ORG", "LOC", "MISC"])
    // Whole names only (ignoring case, spacing, a possessive); a person in a work's title
    // and a part of a subject's name stay as read; people are never subjects.
    XCTAssertEqual(typed.map(\.type), ["MISC", "MISC", "ORG", "PER", "LOC", "PER", "PER"])
    XCTAssertEqual(
      DocumentNames.people(DocumentNames.consistentTypes(typed)).map(\.name), ["Frida Kahlo", "Nadia Rossi", "Harbour"])
    // A model without MISC leaves a product as the tagger read it.
    let withoutMisc = DocumentNames.subjectTypes(
      [mention("Harbour Lights", "PER")], subjects: subjects, modelTypes: ["PER", "ORG", "LOC"])
    XCTAssertEqual(withoutMisc.map(\.type), ["PER"])
    XCTAssertEqual(DocumentNames.subjectTypes(mentions, subjects: [], modelTypes: ["MISC"]), mentions)
  }

  /// A one-word person that is the name of a site the page links to is that site's
  /// business, unless a longer person's name on the page holds the word.
  func testAOneWordPersonThatIsALinkedSiteIsItsBusiness() {
    func mention(_ text: String, _ type: String) -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: 0.9)
    }
    let mentions = [
      mention("Xero", "PER"), mention("Xero’s", "PER"), mention("Filippo Valsorda", "PER"), mention("Filippo", "PER"),
      mention("Spark", "MISC"), mention("Ada Lane", "PER"), mention("Levi", "PER"),
    ]
    let sites = ["xero", "filippo", "spark", "ada", "levi"]
    let all: Set<String> = ["PER", "ORG", "LOC", "MISC"]
    let read = DocumentNames.linkedSitesRead(mentions, sites: sites, modelTypes: all)
    XCTAssertEqual(read.map(\.type), ["ORG", "ORG", "PER", "PER", "MISC", "PER", "ORG"])
    XCTAssertEqual(DocumentNames.people(read).map(\.name), ["Filippo Valsorda", "Ada Lane"])
    XCTAssertEqual(DocumentNames.linkedSitesRead(mentions, sites: [], modelTypes: all), mentions)
    // A model without ORG leaves the site's name out.
    let withoutOrg = DocumentNames.linkedSitesRead(mentions, sites: sites, modelTypes: ["PER"])
    XCTAssertEqual(withoutOrg.map(\.text), ["Filippo Valsorda", "Filippo", "Spark", "Ada Lane"])
  }

  /// A person's name whose first word begins a business's or product's name on the page is
  /// of that brand's line; a first name, a title, a particle or an initial is not a brand.
  func testANameBeginningAsABrandsOtherProductsIsOfItsLine() {
    func mention(_ text: String, _ type: String) -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: 0.9)
    }
    let first: Set<String> = ["JOHN", "ABRAHAM", "LOUIS"]
    let mentions = [
      mention("Scarpa Drago LV", "MISC"), mention("Scarpa Instinct", "PER"), mention("Instinct", "PER"),
      mention("Scarpa", "PER"), mention("John Lewis Partnership", "ORG"), mention("John Smith", "PER"),
      mention("De Graafschap", "ORG"), mention("de Jong", "PER"), mention("Dawoud Bey: An American Project", "MISC"),
      mention("Dawoud Bey", "PER"), mention("Abraham-Louis Breguet", "ORG"), mention("Abraham-Louis Perrelet", "PER"),
      mention("Lord Hamilton Trust", "ORG"), mention("Lord Hamilton", "PER"), mention("J. Crew", "ORG"),
      mention("J. Peterman", "PER"), mention("Halden Structural", "ORG"), mention("Halden Works", "ORG"),
      mention("Halden Ross", "PER"),
    ]
    let read = DocumentNames.productLines(mentions, firstNames: first)
    XCTAssertEqual(
      read.map(\.type),
      [
        "MISC", "MISC", "MISC", "MISC", "ORG", "PER", "ORG", "PER", "MISC", "PER", "ORG", "PER", "ORG", "PER", "ORG",
        "PER", "ORG", "ORG", "ORG",
      ])
    XCTAssertEqual(
      DocumentNames.people(read).map(\.name),
      ["John Smith", "de Jong", "Dawoud Bey", "Abraham-Louis Perrelet", "Lord Hamilton", "J. Peterman"])
    let people = mentions.filter { $0.type == "PER" }
    XCTAssertEqual(DocumentNames.productLines(people, firstNames: first), people, "no brand, no line")
  }

  func testASubjectsMentionsTakeThePlaceOfTheTaggerReadingsTheyOverlap() {
    let tagger = [
      EntityMention(type: "ORG", text: "Nimbus 7 review: great camera", start: 0, end: 29, confidence: 0.4),
      EntityMention(type: "PER", text: "Ada Lane", start: 40, end: 48, confidence: 0.9),
      EntityMention(type: "PER", text: "Nimbus", start: 60, end: 66, confidence: 0.5),
    ]
    let found = [
      EntityMention(type: "MISC", text: "Nimbus 7", start: 0, end: 8, confidence: 1),
      EntityMention(type: "MISC", text: "Nimbus 7", start: 60, end: 68, confidence: 1),
    ]
    let placed = DocumentNames.placing(found, over: tagger)
    XCTAssertEqual(placed.map(\.text), ["Nimbus 7", "Ada Lane", "Nimbus 7"])
    XCTAssertEqual(placed.map(\.type), ["MISC", "PER", "MISC"])
    XCTAssertEqual(DocumentNames.placing([], over: tagger), tagger)
  }

  func testAPartOfAPersonsNameIsThatPersonAndOnlyPERAndMISCConflictsAreSettled() {
    func mention(_ text: String, _ type: String, _ confidence: Double = 0.8) -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: confidence)
    }
    let mentions = [
      mention("Odile Ferrand", "PER"), mention("Ferrand", "ORG"), mention("Japan", "LOC"), mention("Japan", "ORG"),
      mention("Ferrand Odile", "LOC"), mention("Ferrand Tools Ltd", "ORG"),
    ]
    let agreed = DocumentNames.documentRules(mentions)
    // `Ferrand` is part of the person; `Japan` keeps both readings (no PER or MISC); the
    // order of words counts; three-word names are left alone.
    XCTAssertEqual(agreed.map(\.type), ["PER", "PER", "LOC", "ORG", "LOC", "ORG"])
    XCTAssertEqual(DocumentNames.people(agreed).map(\.name), ["Odile Ferrand"])
    XCTAssertEqual(DocumentNames.people(agreed).first?.mentions, 2)
  }

  /// A person every mention of whom the tagger is unsure of is left out, with the mentions;
  /// one sure mention keeps every form of the person; other types are never dropped.
  func testAPersonTheTaggerIsUnsureOfIsLeftOut() {
    func mention(_ type: String, _ text: String, _ start: Int, _ confidence: Double) -> EntityMention {
      EntityMention(type: type, text: text, start: start, end: start + text.count, confidence: confidence)
    }
    let mentions = [
      mention("PER", "Fitness Buddy", 0, 0.35), mention("PER", "Buddy", 30, 0.2),
      mention("PER", "Odile Ferrand", 50, 0.93), mention("PER", "Ferrand", 80, 0.3),
      mention("ORG", "Grafana Labs", 100, 0.1), mention("PER", "Renoir", 120, 0.4),
    ]
    let kept = DocumentNames.unsurePeopleDropped(mentions)
    XCTAssertEqual(kept.map(\.text), ["Odile Ferrand", "Ferrand", "Grafana Labs", "Renoir"])
    XCTAssertEqual(DocumentNames.people(kept).map(\.name), ["Odile Ferrand", "Renoir"])
    XCTAssertEqual(DocumentNames.unsurePeopleDropped([]), [])

    // A short form joins the first-made person holding all of its words, in order, however
    // many other people share one of them; a form none holds starts a person.
    let forms = ["Anna Berg", "Anna Maria Lind", "Lind", "Anna", "Maria Lind", "Lind Anna", "Berg"]
    let grouped = DocumentNames.people(forms.enumerated().map { mention("PER", $1, 20 * $0, 0.9) })
    XCTAssertEqual(grouped.map(\.name), ["Anna Maria Lind", "Anna Berg", "Lind Anna"])
    XCTAssertEqual(grouped.map(\.mentions), [4, 2, 1])
  }

  /// Entities found in a text become its sentences' tags again, on the tokens they cover.
  func testEntitiesBecomeTheirTokensTags() {
    let text = "Anna Lind met Bruno. Oslo Ltd won."
    let tokens = Tokenizer().tokenize(text)
    let entities = [
      EntityMention(type: "PER", text: "Anna Lind", start: 0, end: 9, confidence: 0.9),
      EntityMention(type: "PER", text: "Bruno", start: 14, end: 19, confidence: 0.9),
      EntityMention(type: "ORG", text: "Oslo Ltd", start: 21, end: 29, confidence: 0.9),
    ]
    XCTAssertEqual(
      DocumentNames.tokenTags(entities, tokens: tokens, ranges: [0..<5, 5..<9]),
      [["B-PER", "I-PER", "O", "B-PER", "O"], ["B-ORG", "I-ORG", "O", "O"]])
    XCTAssertEqual(DocumentNames.tokenTags([], tokens: tokens, ranges: [0..<9]), [Array(repeating: "O", count: 9)])
  }

  /// A lone lower-case word the tagger reads as a person in fewer than half of its uses in a
  /// document is the page's ordinary word; once, or mostly read as a person, or in a document
  /// mostly without capitals, it stays.
  func testALowerCaseWordMostlyUsedAsAWordIsNoPerson() {
    let tokenizer = Tokenizer()
    var uses = DocumentNames.LowerCaseUses()
    for (sentence, tags) in [
      ("Update with pacman and restart nginx", ["O", "O", "B-PER", "O", "O", "O"]),
      ("Then run pacman again , as felixen said of pacman", ["O", "O", "O", "O", "O", "O", "B-PER", "O", "O", "O"]),
      ("hi , daniel here and felixen wrote this", ["O", "O", "B-PER", "O", "O", "B-PER", "O", "O"]),
      ("Ask Pacman Jones about nginx", ["O", "B-PER", "I-PER", "O", "B-PER"]),
    ] {
      let tokens = tokenizer.tokenize(sentence)
      XCTAssertEqual(tokens.count, tags.count, sentence)
      uses.add(tokens, tags: tags)
    }
    XCTAssertTrue(uses.readsAsWord("pacman"), "read as a person once in three uses (`Pacman` is another word)")
    XCTAssertFalse(uses.readsAsWord("nginx"), "one use of two read as a person: not fewer than half")
    XCTAssertFalse(uses.readsAsWord("daniel"), "used once")
    XCTAssertFalse(uses.readsAsWord("felixen"), "read as a person in both uses")
    XCTAssertFalse(uses.readsAsWord("Pacman"), "not written in lower case")
    XCTAssertFalse(uses.readsAsWord("unseen"))
    // A document written mostly without capitals: case says nothing, every reading stays.
    for sentence in ["then run pacman again", "pacman keeps a cache", "ask pacman", "so does apt"] {
      let tokens = tokenizer.tokenize(sentence)
      uses.add(tokens, tags: [String](repeating: "O", count: tokens.count))
    }
    XCTAssertFalse(uses.readsAsWord("pacman"))
  }

  /// Two lower-case words that join nothing make a span a phrase, where the sentence has
  /// capitals: headings and list items are not names; `of`, `the` and `iPad` do not count.
  func testALowerCasePhraseIsNoName() {
    let tokenizer = Tokenizer()
    func phrase(_ sentence: String, _ range: Range<Int>? = nil) -> Bool {
      let tokens = tokenizer.tokenize(sentence)
      return DocumentNames.readsAsPhrase(tokens[range ?? tokens.indices], in: tokens)
    }
    XCTAssertTrue(phrase("Ridgeford chemist wins national prize for cheaper water filter"))
    XCTAssertTrue(phrase("Future of human resources management system"))
    XCTAssertTrue(phrase("We met at Kitchen Bench and bought a stand mixer", 3..<9))
    for name in ["Bank of America", "The Blue Door café", "iPad mini", "Lord of the Rings", "Lantern Kettle 1.7 L"] {
      XCTAssertFalse(phrase(name), name)
    }
    XCTAssertFalse(phrase("ishawna tink a hip hop dis song"), "no capital: case says nothing")
    let tokens = tokenizer.tokenize("Watched it with marlon brando and Lee last night")
    XCTAssertTrue(DocumentNames.readsAsPhrase(tokens[3..<5], in: tokens))
    XCTAssertFalse(
      DocumentNames.readsAsPhrase(tokens[3..<5], in: tokens, capitalised: ["MARLON", "BRANDO"]),
      "words cased text writes capitalised are a name's, however written")
  }

  /// Texts marked by offsets are tagged on Recur's own tokens and sentences: a mark inside a
  /// token widens to it, an overlapping one is left out, one cut by a sentence end is two;
  /// tokenized lines read HTML references as the TSV reader does.
  func testTextsMarkedByOffsetsAreTaggedOnTheirTokens() throws {
    let lines = [
      #"{"text": "Dr. Anna Lind met Bruno’s team at Nordic Ltd.", "label": [[4, 13, "PER"], [18, 23, "PER"], "#
        + #"[34, 44, "ORG"], [34, 40, "LOC"]]}"#,
      #"{"text": "We saw Mount Kor. Ra was there.", "entities": [{"start": 7, "end": 20, "label": "LOC"}]}"#,
      "",
      #"{"text": "No names here.", "label": []}"#,
      #"{"id": 7, "tokens": ["Oslo", "beat", "AT&amp;T", "."], "ner_tags": ["S-LOC", "O", "B-ORG", "O"]}"#,
    ]
    let read = try NamesData.parseOffsets(lines.joined(separator: "\n"), name: "m.jsonl")
    XCTAssertEqual(
      read.sentences,
      [
        TaggedSentence(
          tokens: ["Dr.", "Anna", "Lind", "met", "Bruno", "’s", "team", "at", "Nordic", "Ltd."],
          tags: ["O", "B-PER", "I-PER", "O", "B-PER", "O", "O", "O", "B-ORG", "I-ORG"]),
        TaggedSentence(tokens: ["We", "saw", "Mount", "Kor", "."], tags: ["O", "O", "B-LOC", "I-LOC", "I-LOC"]),
        TaggedSentence(tokens: ["Ra", "was", "there", "."], tags: ["B-LOC", "O", "O", "O"]),
        TaggedSentence(tokens: ["No", "names", "here", "."], tags: ["O", "O", "O", "O"]),
        TaggedSentence(tokens: ["Oslo", "beat", "AT&T", "."], tags: ["B-LOC", "O", "B-ORG", "O"]),
      ])
    XCTAssertEqual(read.widened, 1, "`Nordic Ltd` marked without the full stop of its token `Ltd.`")
    XCTAssertEqual(read.overlapping, 1)
    XCTAssertEqual(read.split, 1)
    let refused: [(String, String)] = [
      ("[1, 2]", "m.jsonl:1: not a JSON object"),
      (#"{"label": []}"#, "no \"text\""),
      (#"{"text": "Anna", "label": [[0, 5, "PER"]]}"#, "≤ 4"),
      (#"{"text": "Anna", "label": [[2, 1, "PER"]]}"#, "start < end"),
      (#"{"text": "Anna", "label": [[0, true, "PER"]]}"#, "start < end"),
      (#"{"text": "Anna", "label": [[0.5, 4, "PER"]]}"#, "start < end"),
      (#"{"text": "Anna", "label": [[0, 4, ""]]}"#, "no type"),
      (#"{"text": "Anna  Lind", "label": [[4, 6, "PER"]]}"#, "marks no word"),
      (#"{"text": "Anna", "label": [[0, 4]]}"#, "neither"),
      ("", "holds no text"),
      (#"{"tokens": ["Oslo", "won"], "ner_tags": [5, 0]}"#, "the tags are numbers"),
      (#"{"tokens": ["Oslo", "won"], "ner_tags": ["B-LOC"]}"#, "one tag a token"),
      (#"{"tokens": ["Oslo"], "tags": ["X-LOC"]}"#, "m.jsonl:1: tag 'X-LOC'"),
    ]
    for (line, message) in refused {
      XCTAssertThrowsError(try NamesData.parseOffsets(line, name: "m.jsonl")) { error in
        XCTAssertTrue("\(error)".contains(message), "\(line): \(error)")
      }
    }
  }

  /// Code and handles are no names, a web address is a site: what documentation pages and
  /// forums put where the tagger looks for people.
  func testCodeAndHandlesAreNoNamesAndAnAddressIsASite() {
    let tokenizer = Tokenizer()
    func written(_ text: String) -> DocumentNames.WrittenAs? {
      let tokens = tokenizer.tokenize(text)
      return DocumentNames.writtenAs(tokens[...])
    }
    for code in [
      "fmt.Errorf", "console.log", "zip_longest", "Mr_Enigmatic", "SOME_MACRO", "Promise.all", "json.dumps",
      "torchwood.ThresholdPolicy", "NetworkManager.service", "task.info", "www.example.it", "stripe.js", "README.md",
    ] {
      XCTAssertEqual(written(code), .code, code)
    }
    for site in [
      "Booking.com", "Judge.me", "sanasanacerveza.com", "RadioRewind.co.uk", "www.booking.com", "Levels.fyi",
    ] {
      XCTAssertEqual(written(site), .site, site)
    }
    for name in [
      "J.K. Rowling", "St.Louis", "Mr.Smith", "Smith.He", "U.S.", "Ph.D.", "Lantern Kettle 1.7 L", "2026.12",
      "Ana-Maria", "O'Neill", "K.Will", "A.de", "Node.js", "Vue.js", "Paul McCartney", "Douglas MacArthur",
      "DeShawn Jackson", "LeBron James", "Leonardo DiCaprio", "Debbie Ferguson-McKenzie", "JaVale McGee", "IDs",
      "JOHN SMITH", "Ólafur Arnalds", "Tadhg Dall Ó hÚigínn", "George Spencer, 2nd Earl Spencer",
      "Andrew Taylor (footballer, born 1986)", "Louis XIV", "Specialist 5 Dwight H. Johnson",
    ] {
      XCTAssertNil(written(name), name)
    }
    for brand in [
      "GitHub", "GitHub Copilot", "TypeError", "ZimaOS", "JSONEncoder", "KyleTeal", "Stanley FatMax", "PyTorch",
      "ChatGPT", "AirPods Max", "iPhone 15 Pro", "iOS", "Shure BLX24", "Soundcore P30i", "GDDR5",
      "Harley Benton SC-550", "Delta-8 Gummies", "Pippin06", "Canon R5",
    ] {
      XCTAssertEqual(written(brand), .brand, brand)
    }
  }

  /// A footnote's or a count's number run into a name's last word: how many digits it has.
  func testANumberRunIntoANameIsFound() {
    func digits(_ word: String) -> Int? { DocumentNames.trailingNumber(Array(word.unicodeScalars)) }
    XCTAssertEqual(digits("Huberty1"), 1)
    XCTAssertEqual(digits("O'Brien12"), 2)
    XCTAssertEqual(digits("Ferguson-McKenzie3"), 1)
    for word in ["Huberty", "Flow842", "pcre2", "P30i", "R5", "X2", "2nd", "12"] {
      XCTAssertNil(digits(word), word)
    }
  }

  /// A person whose name the page also writes in lower case is that word or phrase, not
  /// someone; a name that begins with a first name stays, and so does everything on a page
  /// written without capitals, where case says nothing.
  func testAPersonThePageWritesInLowerCaseIsAWordOrPhrase() {
    let tokenizer = Tokenizer()
    func mention(_ text: String, _ type: String = "PER") -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: 0.9)
    }
    let mentions = [
      mention("Ray Tracing"), mention("Budget"), mention("Budget", "ORG"), mention("Marlon Brando"),
      mention("Ada Quill"), mention("Quill"),
    ]
    func kept(_ lines: [String]) -> [String] {
      let sentences = lines.map { Array(tokenizer.tokenize($0)) }
      var uses = DocumentNames.LowerCaseUses()
      for sentence in sentences { uses.add(sentence, tags: Array(repeating: "O", count: sentence.count)) }
      return DocumentNames.commonWordsDropped(
        mentions, uses: uses, sentences: sentences, firstNames: ["MARLON", "ADA"]
      ).map { "\($0.type) \($0.text)" }
    }
    let page = [
      "Ray Tracing and the Budget", "The new card does ray tracing well.", "On a budget, buy the older card.",
      "Is marlon brando in it?", "Ada Quill wrote that a quill pen is no card.",
    ]
    XCTAssertEqual(kept(page), ["ORG Budget", "PER Marlon Brando", "PER Ada Quill", "PER Quill"])
    let uncased = page.map { $0.lowercased() } + ["Ray Tracing"]
    XCTAssertEqual(kept(uncased).count, mentions.count, "a page without capitals says nothing by its case")
  }

  func testPeopleAreGroupedUnderTheLongestName() {
    func mention(_ text: String, _ type: String = "PER") -> EntityMention {
      EntityMention(type: type, text: text, start: 0, end: 0, confidence: 0.9)
    }
    let people = DocumentNames.people([
      mention("Obama"), mention("Barack Obama"), mention("Obama's"), mention("Michelle Obama"),
      mention("Angela Merkel"), mention("Merkel"), mention("Berlin", "LOC"),
    ])
    XCTAssertEqual(people.map(\.name), ["Barack Obama", "Angela Merkel", "Michelle Obama"])
    XCTAssertEqual(people.map(\.mentions), [3, 2, 1])
  }

  // MARK: A toy tagger

  static let people = ["Anna", "Bruno", "Chen", "Dara", "Elif"]
  static let places = ["Paris", "Oslo", "Lima", "Kyiv"]

  func toySentences(_ count: Int, seed: UInt64) -> [TaggedSentence] {
    var rng = SeededGenerator(seed: seed)
    func pick(_ list: [String]) -> String { list[Int(rng.next() % UInt64(list.count))] }
    return (0..<count).map { _ in
      let person = pick(Self.people)
      let other = pick(Self.people)
      let place = pick(Self.places)
      return TaggedSentence(
        tokens: [person, "met", other, "Smith", "in", place, "."],
        tags: ["B-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"])
    }
  }

  /// Toy word vectors and small, fast training settings (the weights as trained, not averaged).
  func toySetup(seed: UInt64) -> (vectors: WordVectors, options: NamesTrainingOptions) {
    let words = ["met", "in", "smith", ".", "paris", "oslo"]
    var rng = SeededGenerator(seed: 1)
    let vectors = WordVectors(
      words: words, width: 4, values: (0..<(words.count * 4)).map { _ in rng.uniform(-1, 1) })
    var options = NamesTrainingOptions()
    options.hidden = 8
    options.characterWidth = 4
    options.characterHidden = 4
    options.epochs = 4
    options.batchSize = 8
    options.learningRate = 0.02
    options.dropout = 0.1
    options.averaging = 0
    options.seed = seed
    return (vectors, options)
  }

  func trainToy(seed: UInt64 = 2, _ adjust: (inout NamesTrainingOptions) -> Void = { _ in }) throws -> NamesModel {
    var (vectors, options) = toySetup(seed: seed)
    adjust(&options)
    return NamesTrainer(options: options).train(
      sentences: toySentences(160, seed: 3), dev: toySentences(20, seed: 4), vectors: vectors,
      lists: NameLists(first: ["ANNA", "BRUNO"], last: ["SMITH"])
    ) { _ in }.model
  }

  /// A second source that marks people but not places (its places stand as `O`) is trained
  /// as partially labelled: its `O` may hide a LOC, so places are still learnt as LOC.
  /// Tokens are read once and remembered: a token reads the same wherever it stands
  /// (only the sentence start differs), as the uncached features say.
  func testRememberedTokensReadAsFreshOnes() throws {
    let model = try trainToy()
    let sentences = [["Smith", "met", "SMITH", "in", "Zürich"], ["Zürich", "met", "Smith", "."], ["Smith"]]
    let input = model.input(sentences)
    for (index, sentence) in sentences.enumerated() {
      XCTAssertEqual(input.words[index], sentence.map { model.words.id($0.lowercased()) })
      XCTAssertEqual(input.characters?[index], sentence.map { $0.map(model.characterID) })
      XCTAssertEqual(input.features?[index], NameFeatures.features(sentence, lists: model.lists))
    }
    XCTAssertEqual(model.input(sentences).features ?? [], input.features ?? [])
  }

  func testAPartiallyLabelledSourceDoesNotTeachItsMissingTypeAsO() throws {
    var (vectors, options) = toySetup(seed: 1)
    options.caseVariants = 0
    let full = toySentences(80, seed: 3)
    let peopleOnly = toySentences(240, seed: 5).map { sentence in
      TaggedSentence(tokens: sentence.tokens, tags: sentence.tags.map { $0.hasSuffix("LOC") ? "O" : $0 })
    }
    let sources = [
      NamesSource(name: "full", sentences: full, dev: toySentences(20, seed: 4), devName: "dev"),
      NamesSource(name: "people", sentences: peopleOnly),
    ]
    XCTAssertEqual(NamesTrainer.partialTypes(of: sources[1], modelTypes: ["LOC", "PER"]), ["LOC"])
    XCTAssertEqual(NamesTrainer.partialTypes(of: sources[0], modelTypes: ["LOC", "PER"]), [])
    let model = NamesTrainer(options: options).train(sources: sources, vectors: vectors, lists: nil) { _ in }.model
    let evaluation = NamesTrainer.evaluate(model, on: toySentences(30, seed: 9))
    XCTAssertGreaterThan(evaluation.perType["LOC"]?.recall ?? 0, 0.95)
    XCTAssertGreaterThan(evaluation.overall.f1, 0.95)
  }

  func testWebTextDataIsReadAsOnAPage() throws {
    let sentences = try NamesData.parse(
      "Tom\tB-person\n&amp;\tO\nJerry\tB-person\n&quot;live&quot;\tO\n&amp;lt;\tO\n\nAcme\tB-corporation\n",
      name: "web")
    XCTAssertEqual(sentences[0].tokens, ["Tom", "&", "Jerry", "\"live\"", "&lt;"])
    let renamed = NamesData.renamingTypes(sentences, ["person": "PER", "corporation": "ORG"])
    XCTAssertEqual(renamed[0].tags, ["B-PER", "O", "B-PER", "O", "O"])
    XCTAssertEqual(renamed[1].tags, ["B-ORG"])
  }

  /// Pretraining text: one text a line, the part after a label's tab, cut into sentences
  /// and at `<br />` as a document is.
  func testUntaggedTextIsCutIntoSentences() {
    var sentences: [[String]] = []
    NamesData.forEachUntaggedSentence(
      "pos\tAnna Berg wrote it.<br /><br />A heading\nplain text, no label! Second one.\n\n"
    ) { sentences.append($0) }
    XCTAssertEqual(
      sentences,
      [
        ["Anna", "Berg", "wrote", "it", "."], ["A", "heading"], ["plain", "text", ",", "no", "label", "!"],
        ["Second", "one", "."],
      ])
  }

  /// Adversarial training learns the toy task too, and what it learns differs.
  func testAdversarialTrainingLearnsTheToyTask() throws {
    let model = try trainToy { $0.adversarialEpsilon = 1 }
    XCTAssertGreaterThan(NamesTrainer.evaluate(model, on: toySentences(30, seed: 9)).overall.f1, 0.95)
    let plain = try trainToy()
    XCTAssertNotEqual(
      model.network.parameters().last?.variable.value.data, plain.network.parameters().last?.variable.value.data)
  }

  /// `readingWords`: the vectors' words training never sees join the vocabulary with their
  /// rows as loaded, after the random draws, so the network trains exactly as without them
  /// and reads such a word by its vector, not as the unknown word.
  func testWordsTrainingNeverSeesAreReadByTheirVectorsWithoutChangingTraining() throws {
    var (vectors, options) = toySetup(seed: 2)
    vectors = WordVectors(
      words: vectors.words + ["rome", "tokyo"], width: 4,
      values: vectors.values + [0.1, 0.2, 0.3, 0.4, -0.4, -0.3, -0.2, -0.1])
    options.tuneVectors = false
    options.pretrainedWords = 2
    func trained(reading: Int) -> NamesModel {
      var options = options
      options.readingWords = reading
      return NamesTrainer(options: options).train(
        sentences: toySentences(160, seed: 3), dev: toySentences(20, seed: 4), vectors: vectors, lists: nil
      ) { _ in }.model
    }
    let plain = trained(reading: 0)
    let reading = trained(reading: 7)
    // Of the first seven words only `rome` is no training word; `tokyo` is the eighth.
    XCTAssertEqual(reading.words.words, plain.words.words + ["rome"])
    XCTAssertEqual(plain.words.id("rome"), 0)
    XCTAssertEqual(reading.words.id("tokyo"), 0)
    let table = reading.network.embedding.table.value
    XCTAssertEqual(table.rows, reading.words.count)
    let rome = reading.words.id("rome")
    XCTAssertEqual(Array(table.data[(rome * 4)..<(rome * 4 + 4)]), [0.1, 0.2, 0.3, 0.4])
    let plainTable = plain.network.embedding.table.value.data
    XCTAssertEqual(Array(table.data[..<plainTable.count]), plainTable)
    for (mine, theirs) in zip(reading.network.parameters().dropFirst(), plain.network.parameters().dropFirst()) {
      XCTAssertEqual(mine.key, theirs.key)
      XCTAssertEqual(mine.variable.value.data, theirs.variable.value.data, mine.key)
    }
    XCTAssertEqual(reading.card.vocabularies["words"], reading.words.words)
    XCTAssertEqual(reading.input([["Rome"]]).words, [[rome]])
  }

  /// Mention replacement swaps each name for one its source marks with the same type, keeps
  /// every other token and tag, and rewrites a partially labelled sentence's masks; a toy
  /// tagger trained with it still learns the task.
  func testNamesAreSwappedWithinTheirSourceAndType() throws {
    let tags = NamesModel.tags(types: ["LOC", "PER"])
    let index = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($0.element, $0.offset) })
    let news = NamesSource(
      name: "news",
      sentences: [
        TaggedSentence(tokens: ["Anna", "Berg", "visited", "Oslo", "."], tags: ["B-PER", "I-PER", "O", "B-LOC", "O"]),
        TaggedSentence(tokens: ["Li", "left", "New", "York"], tags: ["B-PER", "O", "B-LOC", "I-LOC"]),
      ])
    let web = NamesSource(
      name: "web", sentences: [TaggedSentence(tokens: ["@bo_k", "rocks", "Lima"], tags: ["B-PER", "O", "O"])])
    let swaps = MentionSwaps(sources: [news, web])
    XCTAssertEqual(swaps.pools[0]["PER"], [["Anna", "Berg"], ["Li"]])
    XCTAssertEqual(swaps.pools[0]["LOC"], [["Oslo"], ["New", "York"]])
    XCTAssertEqual(swaps.pools[1]["PER"], [["@bo_k"]])
    XCTAssertNil(swaps.pools[1]["LOC"])
    var rng = SeededGenerator(seed: 4)
    var seen: Set<[String]> = []
    for _ in 0..<40 {
      let (sentence, masks) = swaps.swapped(
        news.sentences[0], allowed: [], source: 0, tagIndex: index, rng: &rng)
      XCTAssertEqual(masks, [])
      let spans = NamesData.entities(sentence.tags)
      XCTAssertEqual(spans.map(\.type), ["PER", "LOC"])
      XCTAssertEqual(sentence.tokens[spans[0].end], "visited")
      XCTAssertEqual(sentence.tokens.last, ".")
      XCTAssertTrue(swaps.pools[0]["PER"]!.contains(Array(sentence.tokens[spans[0].start..<spans[0].end])))
      XCTAssertTrue(swaps.pools[0]["LOC"]!.contains(Array(sentence.tokens[spans[1].start..<spans[1].end])))
      seen.insert(sentence.tokens)
    }
    XCTAssertEqual(seen.count, 4, "two people times two places")
    // A partially labelled sentence: its unmarked tokens keep their masks, a swapped name's
    // tokens allow only their tags.
    let hiddenPlace = UInt64(0b111)
    let (sentence, masks) = swaps.swapped(
      web.sentences[0], allowed: [1 << UInt64(index["B-PER"]!), 1, hiddenPlace], source: 1, tagIndex: index,
      rng: &rng)
    XCTAssertEqual(sentence, web.sentences[0])
    XCTAssertEqual(masks, [1 << UInt64(index["B-PER"]!), 1, hiddenPlace])

    let model = try trainToy { $0.mentionSwaps = 0.5 }
    XCTAssertGreaterThan(NamesTrainer.evaluate(model, on: toySentences(30, seed: 9)).overall.f1, 0.95)
  }

  /// With a cross share, a swapped person may come from any source's people (distinct, in
  /// source order); other types stay within their source, and without the share the draws
  /// are the same as before it existed.
  func testPeopleCanBeSwappedAcrossSources() {
    let tags = NamesModel.tags(types: ["LOC", "PER"])
    let index = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($0.element, $0.offset) })
    let news = NamesSource(
      name: "news",
      sentences: [
        TaggedSentence(tokens: ["Anna", "Berg", "visited", "Oslo", "."], tags: ["B-PER", "I-PER", "O", "B-LOC", "O"])
      ])
    let wiki = NamesSource(
      name: "wiki",
      sentences: [
        TaggedSentence(tokens: ["Chidi", "Okoro", "of", "Lagos"], tags: ["B-PER", "I-PER", "O", "B-LOC"]),
        TaggedSentence(tokens: ["Anna", "Berg", "again"], tags: ["B-PER", "I-PER", "O"]),
      ])
    let across = MentionSwaps(sources: [news, wiki], crossShare: 1)
    XCTAssertEqual(across.people, [["Anna", "Berg"], ["Chidi", "Okoro"]])
    var rng = SeededGenerator(seed: 6)
    var people: Set<[String]> = []
    for _ in 0..<40 {
      let sentence = across.swapped(news.sentences[0], allowed: [], source: 0, tagIndex: index, rng: &rng).sentence
      let spans = NamesData.entities(sentence.tags)
      XCTAssertEqual(spans.map(\.type), ["PER", "LOC"])
      people.insert(Array(sentence.tokens[spans[0].start..<spans[0].end]))
      XCTAssertEqual(sentence.tokens[spans[1].start..<spans[1].end], ["Oslo"], "places stay within their source")
    }
    XCTAssertEqual(people, [["Anna", "Berg"], ["Chidi", "Okoro"]])
    // No share: one draw a name, as before the share existed, so a command without it
    // swaps (and trains) as it did.
    let own = MentionSwaps(sources: [news, wiki])
    var drawn = SeededGenerator(seed: 8)
    var expected = drawn
    _ = own.swapped(wiki.sentences[0], allowed: [], source: 1, tagIndex: index, rng: &drawn)
    _ = (expected.next(), expected.next())
    XCTAssertEqual(drawn.next(), expected.next())
  }

  /// A sentence shown with its names in lower case keeps every other token as written and
  /// every tag; a toy tagger trained with such sentences still learns the task.
  func testNamesCanBeShownInLowerCaseAmidWordsAsWritten() throws {
    let sentence = TaggedSentence(
      tokens: ["Then", "Anna", "McKay", "met", "IBM", "in", "Oslo", "."],
      tags: ["O", "B-PER", "I-PER", "O", "B-ORG", "O", "B-LOC", "O"])
    XCTAssertEqual(
      NamesTrainer.lowerCasingNames(sentence),
      TaggedSentence(tokens: ["Then", "anna", "mckay", "met", "ibm", "in", "oslo", "."], tags: sentence.tags))
    let model = try trainToy { $0.lowerCaseNames = 0.3 }
    XCTAssertGreaterThan(NamesTrainer.evaluate(model, on: toySentences(30, seed: 9)).overall.f1, 0.95)
  }

  func testToyTaggerLearnsRoundTripsAndMapsOffsets() throws {
    let model = try trainToy()
    let again = try trainToy()
    for (a, b) in zip(model.network.parameters(), again.network.parameters()) {
      XCTAssertEqual(a.variable.value.data, b.variable.value.data, a.key)
    }
    let evaluation = NamesTrainer.evaluate(model, on: toySentences(30, seed: 9))
    XCTAssertGreaterThan(evaluation.overall.f1, 0.95)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-names-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(directory: folder.path)
    let loaded = try NamesModel.load(directory: folder.path)
    let sentence = [["Dara", "met", "Elif", "Smith", "in", "Lima", "."]]
    XCTAssertEqual(loaded.tag(sentence)[0].tags, model.tag(sentence)[0].tags)
    XCTAssertEqual(loaded.tag(sentence)[0].tags, ["B-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"])

    let text = "Chen  met Anna Smith in Paris.\n\nÉlif met Bruno Smith in Oslo."
    let tagger = DocumentNames(model: loaded)
    let result = tagger.tag([text])[0]
    let scalars = Array(text.unicodeScalars)
    for entity in result.entities {
      XCTAssertEqual(Segmentation.text(scalars, entity.start, entity.end), entity.text)
      XCTAssertGreaterThan(entity.confidence, 0)
      XCTAssertLessThanOrEqual(entity.confidence, 1)
    }
    XCTAssertTrue(
      result.entities.contains(
        EntityMention(
          type: "PER", text: "Anna Smith", start: 10, end: 20,
          confidence: result.entities.first { $0.text == "Anna Smith" }?.confidence ?? -1)))
    XCTAssertTrue(result.entities.contains { $0.type == "LOC" && $0.text == "Oslo" && $0.start == 56 })
    // Alone or batched with other texts, the same.
    let batched = tagger.tag(["Anna met Chen Smith in Kyiv.", text, ""])
    XCTAssertEqual(batched[1].entities, result.entities)
    XCTAssertEqual(batched[2].entities, [])

    let card = folder.appendingPathComponent(NamesModel.cardFile)
    let original = try String(contentsOf: card, encoding: .utf8)
    // A tag that is no B-/I- tag, or one listed twice (its rows would be read as another's).
    for edited in [
      original.replacingOccurrences(of: "\"B-PER\"", with: "\"PER\""),
      original.replacingOccurrences(of: "\"I-PER\"", with: "\"B-PER\""),
    ] {
      XCTAssertNotEqual(edited, original)
      try edited.write(to: card, atomically: true, encoding: .utf8)
      XCTAssertThrowsError(try NamesModel.load(directory: folder.path)) { error in
        XCTAssertTrue("\(error)".contains("tag list"), "\(error)")
      }
    }
  }

  /// Taggers trained apart tag together: a model read with itself tags as it does alone;
  /// two toy taggers of other seeds agree on a clear sentence; the pair is saved as one
  /// model (member 2's weights under `member2.`) and reads back the same; models over other
  /// vocabularies, and cards with a bad member count, are refused.
  func testTaggersTrainedApartTagTogether() throws {
    let first = try trainToy(seed: 2)
    let second = try trainToy(seed: 7)
    let sentences = [["Dara", "met", "Elif", "Smith", "in", "Lima", "."], ["Chen", "met", "Anna", "in", "Oslo"]]
    let alone = first.tag(sentences)
    let twice = try NamesModel.ensemble([first, first]).tag(sentences)
    for (a, b) in zip(alone, twice) {
      XCTAssertEqual(a.tags, b.tags)
      for (x, y) in zip(a.confidence, b.confidence) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }
    let pair = try NamesModel.ensemble([first, second])
    XCTAssertEqual(pair.members.count, 2)
    XCTAssertEqual(pair.card.architecture["members"], "2")
    XCTAssertNil(first.card.architecture["members"])
    XCTAssertEqual(pair.tag(sentences)[0].tags, ["B-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"])
    XCTAssertGreaterThan(NamesTrainer.evaluate(pair, on: toySentences(30, seed: 9)).overall.f1, 0.95)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-pair-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try pair.save(directory: folder.path)
    let stored = try SafeTensors(
      bytes: SafeTensors.readBytes(path: folder.appendingPathComponent(NamesModel.weightsFile).path))
    XCTAssertEqual(stored.tensors.count, 2 * first.network.parameters().count)
    XCTAssertEqual(
      stored.tensors["member2.crf.transitions"]?.values, second.network.crf?.transitions.value.data)
    let loaded = try NamesModel.load(directory: folder.path)
    for (a, b) in zip(loaded.tag(sentences), pair.tag(sentences)) {
      XCTAssertEqual(a.tags, b.tags)
      XCTAssertEqual(a.confidence, b.confidence)
    }

    var (vectors, options) = toySetup(seed: 3)
    options.hidden = 6
    let narrower = NamesTrainer(options: options).train(
      sentences: toySentences(40, seed: 3), dev: [], vectors: vectors, lists: nil
    ) { _ in }.model
    XCTAssertThrowsError(try NamesModel.ensemble([first, narrower])) { error in
      XCTAssertTrue("\(error)".contains("the same"), "\(error)")
    }
    let card = folder.appendingPathComponent(NamesModel.cardFile)
    let original = try String(contentsOf: card, encoding: .utf8)
    for count in ["0", "3", "many"] {
      try original.replacingOccurrences(of: "\"members\" : \"2\"", with: "\"members\" : \"\(count)\"").write(
        to: card, atomically: true, encoding: .utf8)
      XCTAssertThrowsError(try NamesModel.load(directory: folder.path), count)
    }
  }

  /// Where a source marks no MISC, a token it marks `O` may be part of a hidden MISC name
  /// only when it is written like one: a capital or a digit begins or continues one, a
  /// joining word only continues one, lower-case chatter is `O` (unless `anywhere`).
  func testAHiddenNameIsWrittenLikeAName() {
    let tags = NamesModel.tags(types: ["MISC", "PER"])
    let index = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($0.element, $0.offset) })
    func set(_ names: [String]) -> UInt64 { names.reduce(0) { $0 | 1 << UInt64(index[$1]!) } }
    let masks = NamesTrainer.HiddenNameMasks(tags: tags, hidden: ["MISC"], tagIndex: index, anywhere: false)
    for token in ["Titanic", "iPhone", "F-15", "1997"] {
      XCTAssertEqual(masks.atUnmarked(token), set(["O", "B-MISC", "I-MISC"]), token)
    }
    for token in ["of", "the", "&", "'s"] {
      XCTAssertEqual(masks.atUnmarked(token), set(["O", "I-MISC"]), token)
    }
    for token in ["song", "lol", "tink", "😂"] { XCTAssertEqual(masks.atUnmarked(token), set(["O"]), token) }
    let anywhere = NamesTrainer.HiddenNameMasks(tags: tags, hidden: ["MISC"], tagIndex: index, anywhere: true)
    XCTAssertEqual(anywhere.atUnmarked("song"), set(["O", "B-MISC", "I-MISC"]))
  }

  /// Text in another language than English, declared or guessed, has no names (the tagger
  /// reads English only); a declared English page is tagged whatever the guess.
  func testTextInAnotherLanguageHasNoNames() throws {
    let tagger = DocumentNames(model: try trainToy())
    let english = "Anna met Chen Smith in Kyiv."
    let german = "Die Maschine ist laut, und der Kaffee ist nicht heiß. Anna Smith war in Kyiv, aber nicht mit uns."
    let found = tagger.tag([english, german, german, english], languages: [nil, nil, "en-GB", "de"])
    XCTAssertFalse(found[0].entities.isEmpty)
    XCTAssertEqual(found[1].entities, [])
    XCTAssertEqual(found[1].people, [])
    XCTAssertFalse(found[2].entities.isEmpty)
    XCTAssertEqual(found[3].entities, [])
    XCTAssertEqual(tagger.tag([english])[0].entities, found[0].entities)
  }
}
