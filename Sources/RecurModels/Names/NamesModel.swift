import Foundation
import RecurNN

/// The shipped N → N name tagger: per token a lower-cased word vector, a character
/// encoder's reading of the word as written, and shape/name-list features → bidirectional
/// recurrent encoder → CRF (or softmax with IOB2-constrained Viterbi). A model is a
/// directory with `model.safetensors` and `card.json` (architecture, vocabularies, tags,
/// name lists, data, command, seed, scores).
///
/// A model may hold several such networks trained apart (`members`, each from its own
/// seed, over the same vocabularies): they tag together as a `TaggerEnsemble`. The first
/// member's weights are stored as a single network's; member k's under `memberK.`.
public final class NamesModel {
  public static let weightsFile = ModelFolder.weightsFile
  public static let cardFile = ModelFolder.cardFile

  /// The first member (the only one of a single network).
  public let network: ManyToMany
  /// Every network, `network` first.
  public let members: [ManyToMany]
  let ensemble: TaggerEnsemble?
  public let words: Vocabulary
  /// Characters; id 0 is any character training never saw.
  public let characters: Vocabulary
  public let tags: [String]
  /// The entity types the model tags (`PER` of `B-PER`, …).
  public var types: Set<String> { Set(tags.filter { $0.hasPrefix("B-") }.map { String($0.dropFirst(2)) }) }
  public let lists: NameLists?
  public var card: ModelCard

  init(
    network: ManyToMany, words: Vocabulary, characters: Vocabulary, tags: [String], lists: NameLists?, card: ModelCard,
    otherMembers: [ManyToMany] = []
  ) {
    self.network = network
    members = [network] + otherMembers
    ensemble = otherMembers.isEmpty ? nil : TaggerEnsemble(members: members)
    self.words = words
    self.characters = characters
    self.tags = tags
    self.lists = lists
    self.card = card
    asciiCharacterIDs = (0..<128).map { characters.id(String(UnicodeScalar(UInt8($0)))) }
  }

  /// The id of each ASCII character, looked up once (most characters of most pages).
  let asciiCharacterIDs: [Int]

  /// How many stacked layers a tagger may have (training and a model card alike).
  public static let layerCounts = 1...4

  /// The tag list for entity types: `O`, then `B-` and `I-` of each type.
  public static func tags(types: [String]) -> [String] {
    ["O"] + types.flatMap { ["B-" + $0, "I-" + $0] }
  }

  /// `loading`: the weights file will fill every value, so the word table is not drawn at
  /// random first (training draws it, keeping the seed's sequence of draws).
  static func network(
    _ architecture: [String: String], words: Int, characters: Int, tags: [String], loading: Bool = false,
    tuneWords: Bool = true,
    rng: inout SeededGenerator
  ) throws(DataFileError) -> ManyToMany {
    func integer(_ key: String, _ range: ClosedRange<Int> = 1...4096) throws(DataFileError) -> Int {
      guard let text = architecture[key], let value = Int(text), range.contains(value) else {
        throw DataFileError("the model card's architecture has no valid '\(key)'")
      }
      return value
    }
    guard let cell = architecture["cell"].flatMap(CellKind.init(rawValue:)) else {
      throw DataFileError("the model card's architecture names no known cell (rnn, gru, lstm)")
    }
    guard [nil, "true", "uncased"].contains(architecture["capitalised"]) else {
      throw DataFileError("the model card's architecture has a 'capitalised' other than true or uncased")
    }
    let useCharacters = architecture["characters"] == "true"
    let characterEncoder =
      useCharacters
      ? CharacterEncoder(
        alphabet: characters, width: try integer("char_width"), hidden: try integer("char_hidden"), kind: cell,
        rng: &rng) : nil
    return ManyToMany(
      embedding: loading
        ? Embedding(vectors: Tensor(zeros: [words, try integer("width")]), trainable: true)
        : Embedding(vocabulary: words, width: try integer("width"), trainable: tuneWords, rng: &rng),
      characterEncoder: characterEncoder,
      featureCount: architecture["features"] == "true"
        ? NameFeatures.count(readingCapitalisation: architecture["capitalised"] != nil) : 0, cell: cell,
      hidden: try integer("hidden"), tags: tags.count,
      layers: architecture["layers"] == nil ? 1 : try integer("layers", layerCounts),
      useCRF: architecture["crf"] == "true",
      constraints: TagConstraints(bio: tags), dropout: Float(architecture["dropout"] ?? "") ?? 0,
      heads: architecture["heads"] == nil ? 1 : try integer("heads"), rng: &rng)
  }

  public static func load(directory: String) throws(DataFileError) -> NamesModel {
    let card = try ModelFolder.card(directory, name: "names")
    let words = try Vocabulary(stored: card.vocabularies["words"] ?? [])
    let characters = try Vocabulary(stored: card.vocabularies["characters"] ?? [])
    let tags = card.vocabularies["tags"] ?? []
    guard tags.first == "O", tags.count >= 3, tags.dropFirst().allSatisfy({ $0.hasPrefix("B-") || $0.hasPrefix("I-") }),
      Set(tags).count == tags.count
    else {
      throw DataFileError("\(directory)/\(cardFile): the tag list is not O followed by distinct B-/I- tags")
    }
    var lists: NameLists?
    if card.architecture["capitalised"] != nil, card.vocabularies["capitalised"] == nil {
      throw DataFileError("\(directory)/\(cardFile): the architecture reads capitalised words the card does not list")
    }
    if card.architecture["features"] == "true" {
      lists = NameLists(
        first: Set(card.vocabularies["first_names"] ?? []), last: Set(card.vocabularies["last_names"] ?? []),
        capitalised: card.architecture["capitalised"] == nil ? nil : Set(card.vocabularies["capitalised"] ?? []),
        capitalisedWhereUncased: card.architecture["capitalised"] == "uncased")
    }
    let memberCount = card.architecture["members"].map { Int($0) ?? 0 } ?? 1
    guard (1...16).contains(memberCount) else {
      throw DataFileError("\(directory)/\(cardFile): 'members' is not a number from 1 to 16")
    }
    var rng = SeededGenerator(seed: 0)
    var networks: [ManyToMany] = []
    for _ in 0..<memberCount {
      networks.append(
        try network(
          card.architecture, words: words.count, characters: characters.count, tags: tags, loading: true, rng: &rng))
    }
    try requireCRFs(networks, in: "\(directory)/\(cardFile): ")
    try ModelFolder.loadWeights(directory, card: card, into: Self.parameters(of: networks))
    return NamesModel(
      network: networks[0], words: words, characters: characters, tags: tags, lists: lists, card: card,
      otherMembers: Array(networks.dropFirst()))
  }

  /// Several members tag together only as CRF taggers (`TaggerEnsemble`).
  static func requireCRFs(_ networks: [ManyToMany], in place: String) throws(DataFileError) {
    if networks.count > 1, networks.contains(where: { $0.crf == nil }) {
      throw DataFileError(place + "only CRF taggers can tag together ('members')")
    }
  }

  /// The number of weights of every member together.
  public var parameterCount: Int { Self.parameters(of: members).reduce(0) { $0 + $1.variable.value.count } }

  /// Every member's parameters: the first's as a single network's, member k's prefixed `memberK`.
  static func parameters(of members: [ManyToMany]) -> [Parameter] {
    members.enumerated().flatMap { index, member in
      index == 0 ? member.parameters() : member.parameters().prefixed("member\(index + 1)")
    }
  }

  public func save(directory: String) throws(DataFileError) {
    try ModelFolder.save(directory, parameters: Self.parameters(of: members), card: card)
  }

  /// One model whose members are all of `models`' (in order), which must read the same
  /// words, characters, tags and name lists with the same architecture, and be CRF taggers.
  /// Its card is the first model's, with `members` counting them all.
  public static func ensemble(_ models: [NamesModel]) throws(DataFileError) -> NamesModel {
    guard let first = models.first else { throw DataFileError("an ensemble needs at least one model") }
    func architecture(_ model: NamesModel) -> [String: String] {
      model.card.architecture.filter { $0.key != "members" }
    }
    for model in models.dropFirst() {
      guard model.words.words == first.words.words, model.characters.words == first.characters.words,
        model.tags == first.tags, model.lists == first.lists, architecture(model) == architecture(first)
      else {
        throw DataFileError("models tag together only when their vocabularies, tags and architecture are the same")
      }
    }
    let networks = models.flatMap(\.members)
    try requireCRFs(networks, in: "")
    var card = first.card
    card.architecture["members"] = networks.count > 1 ? String(networks.count) : nil
    return NamesModel(
      network: networks[0], words: first.words, characters: first.characters, tags: first.tags, lists: first.lists,
      card: card, otherMembers: Array(networks.dropFirst()))
  }

  /// The network's input for sentences of tokens (as written).
  public func input(_ sentences: [[String]]) -> ManyToMany.Input {
    let useCharacters = network.characterEncoder != nil
    let useFeatures = network.featureCount > 0
    var words: [[Int]] = []
    var characters: [[[Int]]] = []
    var features: [[[Float]]] = []
    words.reserveCapacity(sentences.count)
    forms.lock.lock()
    defer { forms.lock.unlock() }
    for sentence in sentences {
      var sentenceWords: [Int] = []
      var sentenceCharacters: [[Int]] = []
      var sentenceFeatures: [[Float]] = []
      sentenceWords.reserveCapacity(sentence.count)
      for (index, token) in sentence.enumerated() {
        let entry: FormCache.Entry
        if let known = forms.entries[token] {
          entry = known
        } else {
          entry = read(token)
          if forms.entries.count >= FormCache.limit { forms.entries.removeAll(keepingCapacity: true) }
          forms.entries[token] = entry
        }
        sentenceWords.append(entry.word)
        if useCharacters { sentenceCharacters.append(entry.characters) }
        if useFeatures {
          var values = entry.features
          if index == 0 { values[NameFeatures.sentenceStart] = 1 }
          sentenceFeatures.append(values)
        }
      }
      words.append(sentenceWords)
      if useCharacters { characters.append(sentenceCharacters) }
      if useFeatures { features.append(sentenceFeatures) }
    }
    return ManyToMany.Input(
      words: words, characters: useCharacters ? characters : nil, features: useFeatures ? features : nil)
  }

  /// What the network reads of a token as written, wherever it stands (its features as
  /// for a word inside a sentence); the same token always reads the same, so it is
  /// remembered (`forms`).
  func read(_ token: String) -> FormCache.Entry {
    FormCache.Entry(
      word: words.id(token.lowercased()),
      characters: network.characterEncoder == nil ? [] : token.map(characterID),
      features: network.featureCount == 0 ? [] : NameFeatures.tokenFeatures(token, first: false, lists: lists))
  }

  /// Tokens already read (at most `limit`; forgotten all at once past that).
  final class FormCache: @unchecked Sendable {
    struct Entry {
      var word: Int
      var characters: [Int]
      var features: [Float]
    }
    static let limit = 200_000
    var entries: [String: Entry] = [:]
    let lock = NSLock()
  }

  let forms = FormCache()

  /// A character's id; one training never saw is read as its letter without accents
  /// (`Ž` as `Z`, `ø` as `o`) when that is known, so unfamiliar names keep their shape.
  func characterID(_ character: Character) -> Int {
    if let ascii = character.asciiValue, character.unicodeScalars.count == 1 { return asciiCharacterIDs[Int(ascii)] }
    let text = String(character)
    let id = characters.id(text)
    guard id == 0, !character.isASCII else { return id }
    return characters.id(text.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil))
  }

  /// The tags of each sentence and each tag's probability, in batches of similar lengths.
  /// The result does not depend on how sentences are batched.
  public func tag(_ sentences: [[String]], batchSize: Int = 64) -> [(tags: [String], confidence: [Float])] {
    var result = [(tags: [String], confidence: [Float])](repeating: ([], []), count: sentences.count)
    // Longest first: each batch is then in the order its recurrent runs take (no copies).
    let order = sentences.indices.filter { !sentences[$0].isEmpty }.sorted { sentences[$0].count > sentences[$1].count }
    var start = 0
    while start < order.count {
      let chunk = Array(order[start..<min(start + batchSize, order.count)])
      let batch = input(chunk.map { sentences[$0] })
      let decoded = ensemble?.decode(batch) ?? network.decode(batch)
      for (position, index) in chunk.enumerated() {
        result[index] = (decoded[position].tags.map { tags[$0] }, decoded[position].confidence)
      }
      start += batchSize
    }
    return result
  }
}
