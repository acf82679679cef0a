/// One block of a page's text as the reader sees it (a paragraph, heading, list item or
/// table cell), with what the block model reads about it.
public struct TextBlock: Sendable {
  /// The block's text, whitespace collapsed.
  public var text: String
  /// The block's text as the page writes it, where that differs from `text`: the texts of
  /// elements side by side that run together are two words in `text`
  /// (`HTMLNode.runTogether`), one here.
  public var asWritten: String?
  /// The text the block model reads and learns from: the text as written, so a model's
  /// features and labels do not depend on how Recur spaces its output.
  public var modelText: String { asWritten ?? text }
  /// Whitespace-separated words.
  public var words: Int
  /// Characters outside whitespace, and how many of them sit inside links.
  public var characters: Int
  public var linkedCharacters: Int
  /// Whether the block lies inside the container the rules chose.
  public var inChosen: Bool
  /// Whether the rules keep it (inside the chosen container and not a short link block).
  public var keptByRules: Bool
  /// Hashed feature indices (empty unless features were asked for).
  public var features: [UInt32]
  /// Page-unique numbers of the block's nearest ancestors, nearest first (with features):
  /// blocks sharing one belong to the same section.
  public var sections: [Int32] = []

  public var linkDensity: Double { characters == 0 ? 0 : Double(linkedCharacters) / Double(characters) }
}

/// Hashing of block features into a fixed-size weight table: FNV-1a over a feature's
/// prefix and value (stable across processes and machines, unlike Swift's `Hasher`).
public enum BlockFeatureHash {
  /// Number of weight slots (a power of two).
  public static let dimension = 1 << 20

  @inline(__always)
  static func hash(_ prefix: StaticString, _ value: Substring.UTF8View? = nil) -> UInt32 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    let start = prefix.utf8Start
    for offset in 0..<prefix.utf8CodeUnitCount {
      hash = (hash ^ UInt64(start[offset])) &* 0x100_0000_01b3
    }
    if let value {
      hash = (hash ^ 0x1F) &* 0x100_0000_01b3
      for byte in value { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    return UInt32(truncatingIfNeeded: hash ^ (hash >> 32)) & UInt32(dimension - 1)
  }

  @inline(__always)
  static func hash(_ prefix: StaticString, _ value: String) -> UInt32 {
    hash(prefix, Substring(value).utf8)
  }

  @inline(__always)
  static func hash(_ prefix: StaticString, bin: Int) -> UInt32 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    let start = prefix.utf8Start
    for offset in 0..<prefix.utf8CodeUnitCount {
      hash = (hash ^ UInt64(start[offset])) &* 0x100_0000_01b3
    }
    hash = (hash ^ 0x1E) &* 0x100_0000_01b3
    hash = (hash ^ UInt64(bin & 0xFF)) &* 0x100_0000_01b3
    hash = (hash ^ UInt64((bin >> 8) & 0xFF)) &* 0x100_0000_01b3
    return UInt32(truncatingIfNeeded: hash ^ (hash >> 32)) & UInt32(dimension - 1)
  }
}

/// Cuts a page body into text blocks in reading order and, when asked, describes each
/// block for the block model: its element and nearest ancestors (names, class and id
/// words), landmarks above it, length, link density, punctuation, its first words, where
/// it sits on the page and against the rules' chosen container, and its neighbours.
struct TextBlockReader {
  /// Ancestors whose names and class words describe a block.
  static let describedAncestors = 6
  /// Elements whose presence anywhere above a block is a feature.
  static let landmarks: Set<String> = [
    "article", "main", "aside", "footer", "header", "nav", "form", "li", "table", "blockquote", "figure", "h1",
    "h2", "h3", "h4", "h5", "h6", "dl", "pre", "section", "time", "address",
  ]
  /// Blocks of at most this many words are looked for elsewhere on the page.
  static let repeatedBlockWords = 30
  /// Blocks of at most this many words contribute their words as features.
  static let shortBlockWords = 5

  var withFeatures: Bool
  /// Ancestors whose text amount and link share describe a block.
  static let measuredAncestors = 4

  func blocks(_ body: HTMLNode, chosen: HTMLNode?, keepLinkBlocks: Bool) -> [TextBlock] {
    var blocks: [TextBlock] = []
    var current = ""
    // The block's text with run-together texts set apart, once it has any.
    var spaced: String?
    var currentLinked = 0
    var currentTotal = 0
    // Open elements from the body down, with each one's own feature hashes.
    var path: [HTMLNode] = []
    // Each open element's own features, computed when a block first needs them.
    var pathFeatures: [[UInt32]?] = []
    var pathIDs: [Int32] = []
    var nextID: Int32 = 0
    var chosenDepth: Int?
    var seenChosen = false
    var spacing = RunTogetherSpacing()

    func flush() {
      let text = current.collapsingWhitespace()
      let spacedText = spaced?.collapsingWhitespace()
      defer {
        current = ""
        spaced = nil
        currentLinked = 0
        currentTotal = 0
      }
      guard !text.isEmpty else { return }
      let inChosen = chosenDepth != nil
      let density = currentTotal == 0 ? 0 : Double(currentLinked) / Double(currentTotal)
      let isLinkBlock =
        density > ExtractionRules.maximumLinkDensity && text.count < ExtractionRules.shortLinkedBlockCharacters * 4
      let kept =
        inChosen
        && (!isLinkBlock || (keepLinkBlocks && text.count >= ExtractionRules.longLinkCharacters))
      var block = TextBlock(
        text: spacedText ?? text, asWritten: spacedText == nil ? nil : text, words: text.wordCount,
        characters: currentTotal, linkedCharacters: currentLinked, inChosen: inChosen, keptByRules: kept, features: [])
      if withFeatures {
        var features: [UInt32] = [BlockFeatureHash.hash("bias")]
        features.append(BlockFeatureHash.hash("tag", path.last?.name ?? "body"))
        var landmarksSeen = Set<String>()
        for (depth, node) in path.enumerated() {
          if path.count - depth <= TextBlockReader.describedAncestors {
            if pathFeatures[depth] == nil { pathFeatures[depth] = ownFeatures(node) }
            features += pathFeatures[depth]!
          }
          if node.isLandmark, landmarksSeen.insert(node.name).inserted {
            features.append(BlockFeatureHash.hash("landmark", node.name))
          }
        }
        let pageText = max(1, body.measure.text)
        for level in 1...TextBlockReader.measuredAncestors where path.count - level >= 0 {
          let measure = path[path.count - level].measure
          let link = (measure.text == 0 ? 0 : Double(measure.linked) / Double(measure.text)).densityBin
          let share = min(7, (measure.text * 64 / pageText).bitWidthBin)
          let prose = measure.text == 0 ? 0 : measure.prose * 4 / measure.text
          features.append(BlockFeatureHash.hash("up-link", bin: level * 16 + link))
          features.append(BlockFeatureHash.hash("up-share", bin: level * 16 + share))
          features.append(BlockFeatureHash.hash("up-prose", bin: level * 16 + prose))
          features.append(BlockFeatureHash.hash("up-shape", bin: level * 512 + link * 64 + share * 8 + prose))
        }
        if let nearest = path.last {
          for word in nearest.classWords where word.isFeatureWord {
            features.append(BlockFeatureHash.hash("own-class", word))
          }
        }
        describeText(text, wordCount: block.words, into: &features)
        // In slot order: class words come from a set, whose order changes from process to
        // process, and the model's sums over them must not.
        block.features = features.sorted()
        block.sections = pathIDs.suffix(BlockContext.sectionLevels).reversed()
      }
      blocks.append(block)
    }

    enum Step {
      case enter(HTMLNode, inLink: Bool)
      case leave(HTMLNode)
    }
    var stack: [Step] = [.enter(body, inLink: false)]
    while let step = stack.popLast() {
      switch step {
      case .enter(let element, let inLink):
        if element.isText {
          if spacing.needsSpace(after: current.unicodeScalars.last, before: element.text) {
            spaced = (spaced ?? current) + " "
          }
          current += element.text
          spaced? += element.text
          let count = element.textLength
          currentTotal += count
          if inLink { currentLinked += count }
          continue
        }
        if element.name == "br" {
          current += " "
          spaced? += " "
          continue
        }
        spacing.enter(element)
        let isChosen = element === chosen
        if element.isBlock || isChosen { flush() }
        if isChosen {
          chosenDepth = path.count
          seenChosen = true
        }
        path.append(element)
        if withFeatures {
          pathFeatures.append(nil)
          pathIDs.append(nextID)
          nextID += 1
        }
        stack.append(.leave(element))
        let nowInLink = inLink || element.name == "a"
        for child in element.children.reversed() { stack.append(.enter(child, inLink: nowInLink)) }
      case .leave(let element):
        spacing.leave(element)
        if element.isBlock || element === chosen { flush() }
        path.removeLast()
        if withFeatures {
          pathFeatures.removeLast()
          pathIDs.removeLast()
        }
        if element === chosen { chosenDepth = nil }
      }
    }
    flush()
    if withFeatures { addContext(&blocks, chosenSeen: seenChosen) }
    return blocks
  }

  /// An ancestor's name and class words.
  private func ownFeatures(_ node: HTMLNode) -> [UInt32] {
    var features = [BlockFeatureHash.hash("ancestor", node.name)]
    for word in node.classWords where word.isFeatureWord {
      features.append(BlockFeatureHash.hash("class", word))
    }
    if let role = node["role"] { features.append(BlockFeatureHash.hash("role", role.lowercased())) }
    if let itemprop = node["itemprop"] { features.append(BlockFeatureHash.hash("itemprop", itemprop.lowercased())) }
    if node["aria-hidden"]?.lowercased() == "true" { features.append(BlockFeatureHash.hash("aria-hidden")) }
    return features
  }

  /// Features of the text itself: its length, link share, ending, first word, and the
  /// words of a short block (`Leave a reply`, `Share this`, `Read more`).
  private func describeText(_ text: String, wordCount: Int, into features: inout [UInt32]) {
    if wordCount <= TextBlockReader.shortBlockWords {
      let words = text.split(separator: " ")
      for word in words {
        let normal = word.featureWord
        if !normal.isEmpty { features.append(BlockFeatureHash.hash("short-word", Substring(normal).utf8)) }
      }
      let whole = words.map(\.featureWord).joined(separator: " ")
      features.append(BlockFeatureHash.hash("short-text", Substring(whole).utf8))
    }
    let first = text[..<(text.firstIndex(of: " ") ?? text.endIndex)]
    if !first.isEmpty {
      features.append(BlockFeatureHash.hash("first-word", Substring(first.featureWord).utf8))
    }
    let last = text.unicodeScalars.last.map { scalar -> Int in
      switch scalar {
      case ".", "!", "?", "\u{2026}": return 1
      case ":": return 2
      case ",", ";": return 3
      case "\"", "\u{201D}", "'", "\u{2019}", ")": return 4
      default: return scalar.properties.numericType != nil ? 5 : 0
      }
    }
    features.append(BlockFeatureHash.hash("ending", bin: last ?? 0))
    // Counted on UTF-8 bytes: a scalar is a byte that does not continue a sequence, and
    // every non-ASCII scalar counts as a letter.
    var digits = 0
    var upper = 0
    var letters = 0
    var punctuation = 0
    var characters = 0
    for byte in text.utf8 {
      switch byte {
      case 0x30...0x39: digits += 1
      case 0x41...0x5A:
        upper += 1
        letters += 1
      case 0x61...0x7A: letters += 1
      case 0x2C, 0x2E, 0x3B, 0x3A: punctuation += 1
      case 0xC0...0xFF: letters += 1
      default: break
      }
      if byte & 0xC0 != 0x80 { characters += 1 }
    }
    characters = max(1, characters)
    features.append(BlockFeatureHash.hash("digits", bin: digits * 10 / characters))
    features.append(BlockFeatureHash.hash("upper", bin: upper * 5 / max(1, letters)))
    features.append(BlockFeatureHash.hash("punctuation", bin: min(5, punctuation * 100 / characters)))
  }

  /// Features that depend on the other blocks: length and link bins crossed with the
  /// chosen container, position on the page, neighbours, and repeated texts.
  private func addContext(_ blocks: inout [TextBlock], chosenSeen: Bool) {
    var counts: [String: Int] = [:]
    // Repeats are counted among short blocks (menus, labels, teasers); a long paragraph
    // is not hashed whole.
    for block in blocks where block.words <= TextBlockReader.repeatedBlockWords {
      counts[block.modelText, default: 0] += 1
    }
    let firstChosen = blocks.firstIndex { $0.inChosen }
    let lastChosen = blocks.lastIndex { $0.inChosen }
    let described = blocks.map { (length: $0.words.lengthBin, link: $0.linkDensity.densityBin, inside: $0.inChosen) }
    for index in blocks.indices {
      let own = described[index]
      let inside = own.inside ? 1 : 0
      var features: [UInt32] = [
        BlockFeatureHash.hash("length", bin: own.length),
        BlockFeatureHash.hash("link", bin: own.link),
        BlockFeatureHash.hash("chosen", bin: inside + (chosenSeen ? 2 : 0)),
        BlockFeatureHash.hash("chosen-length", bin: inside * 16 + own.length),
        BlockFeatureHash.hash("chosen-link", bin: inside * 16 + own.link),
        BlockFeatureHash.hash("length-link", bin: own.length * 16 + own.link),
        BlockFeatureHash.hash("kept", bin: blocks[index].keptByRules ? 1 : 0),
        BlockFeatureHash.hash("position", bin: index * 10 / max(1, blocks.count)),
        BlockFeatureHash.hash(
          "repeated",
          bin: blocks[index].words <= TextBlockReader.repeatedBlockWords
            ? min(3, counts[blocks[index].modelText] ?? 1) : 0),
      ]
      var side = 0
      if let firstChosen, index < firstChosen { side = 1 }
      if let lastChosen, index > lastChosen { side = 2 }
      features.append(BlockFeatureHash.hash("side", bin: side))
      if let firstChosen, let lastChosen, side != 0 {
        let distance = side == 1 ? firstChosen - index : index - lastChosen
        features.append(BlockFeatureHash.hash("distance", bin: min(6, distance.bitWidthBin)))
      }
      for (offset, name) in [(-1, "p"), (1, "n"), (-2, "pp"), (2, "nn")] as [(Int, StaticString)] {
        let other = index + offset
        guard described.indices.contains(other) else {
          features.append(BlockFeatureHash.hash(name, bin: 999))
          continue
        }
        let neighbour = described[other]
        features.append(
          BlockFeatureHash.hash(name, bin: neighbour.length * 32 + neighbour.link * 2 + (neighbour.inside ? 1 : 0)))
      }
      blocks[index].features += features
    }
  }
}

extension HTMLNode {
  /// Whether the element is one of the block reader's landmarks (asked once per element).
  var isLandmark: Bool {
    if landmark == nil { landmark = TextBlockReader.landmarks.contains(name) }
    return landmark!
  }
}

extension String {
  /// Whitespace-separated words.
  var wordCount: Int {
    var count = 0
    var inWord = false
    for scalar in unicodeScalars {
      if scalar.isSpace {
        inWord = false
      } else if !inWord {
        inWord = true
        count += 1
      }
    }
    return count
  }

  /// A class or id word worth a feature: letters only (numbers and hashes name one site's
  /// build, not a kind of block).
  var isFeatureWord: Bool {
    utf8.count >= 2 && utf8.count <= 30 && utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) }
  }
}

extension Substring {
  /// A word lower-cased with punctuation around it removed and digits as `0`.
  var featureWord: String {
    // ASCII words (most) are lowered byte by byte.
    if utf8.allSatisfy({ $0 < 0x80 }) {
      var out: [UInt8] = []
      out.reserveCapacity(utf8.count)
      for byte in utf8 {
        switch byte {
        case 0x41...0x5A: out.append(byte | 0x20)
        case 0x61...0x7A: out.append(byte)
        case 0x30...0x39: if out.last != 0x30 { out.append(0x30) }
        default: break
        }
      }
      return String(decoding: out, as: UTF8.self)
    }
    var out = ""
    for scalar in unicodeScalars {
      if scalar.properties.isAlphabetic {
        out.unicodeScalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      } else if scalar.properties.numericType != nil {
        if out.last != "0" { out.append("0") }
      }
    }
    return out
  }
}

extension Int {
  /// Word counts in bins: 1, 2, 3, 4–5, 6–9, 10–19, 20–39, 40–79, 80–159, 160+.
  var lengthBin: Int {
    switch self {
    case ..<2: return 0
    case 2: return 1
    case 3: return 2
    case 4...5: return 3
    case 6...9: return 4
    case 10...19: return 5
    case 20...39: return 6
    case 40...79: return 7
    case 80...159: return 8
    default: return 9
    }
  }

  /// 0, 1, 2–3, 4–7, …
  var bitWidthBin: Int { self <= 0 ? 0 : Int.bitWidth - leadingZeroBitCount }
}

extension Double {
  /// Link density in bins: none, under 10 %, 30 %, 50 %, 80 %, more.
  var densityBin: Int {
    switch self {
    case 0: return 0
    case ..<0.1: return 1
    case ..<0.3: return 2
    case ..<0.5: return 3
    case ..<0.8: return 4
    default: return 5
    }
  }
}

/// The second stage's view of a block: the first stage's probability for it, for its
/// neighbours, and for the sections it sits in (the word-weighted mean over every block
/// below each of its nearest ancestors), with each section's share of the page. Main text
/// comes in runs and whole sections; a lone "content-looking" block inside a carousel of
/// product cards is not main text, nor is a lone short line inside an article dropped.
public enum BlockContext {
  /// Ancestors whose blocks' mean probability describes a block.
  public static let sectionLevels = 6
  /// Number of weight slots of the second stage (a power of two).
  public static let dimension = 1 << 20

  @inline(__always)
  static func hash(_ prefix: StaticString, bin: Int) -> UInt32 {
    BlockFeatureHash.hash(prefix, bin: bin) & UInt32(dimension - 1)
  }

  /// Probability in `bins` equal bins.
  @inline(__always)
  static func bin(_ probability: Float, _ bins: Int) -> Int { min(bins - 1, max(0, Int(probability * Float(bins)))) }

  /// The first stage's probabilities summed over each section's blocks, weighted by their
  /// words, with each section's words, and the page's words (at least 1).
  static func sectionTotals(_ blocks: [TextBlock], first: [Float]) -> (
    sections: [Int32: (sum: Float, words: Int)], pageWords: Int
  ) {
    var sections: [Int32: (sum: Float, words: Int)] = [:]
    var pageWords = 0
    for (index, block) in blocks.enumerated() {
      let words = max(1, block.words)
      pageWords += words
      for section in block.sections {
        let old = sections[section] ?? (0, 0)
        sections[section] = (old.sum + first[index] * Float(words), old.words + words)
      }
    }
    pageWords = max(1, pageWords)
    return (sections, pageWords)
  }

  public static func features(_ blocks: [TextBlock], first: [Float]) -> [[UInt32]] {
    let (sections, pageWords) = sectionTotals(blocks, first: first)
    var result: [[UInt32]] = []
    result.reserveCapacity(blocks.count)
    for (index, block) in blocks.enumerated() {
      let own = bin(first[index], 20)
      let length = block.words.lengthBin
      var features: [UInt32] =
        block.features + [
          hash("bias", bin: 0),
          hash("own", bin: own),
          hash("own-length", bin: own * 16 + length),
        ]
      for (offset, name) in [(-1, "p"), (1, "n"), (-2, "pp"), (2, "nn")] as [(Int, StaticString)] {
        let other = index + offset
        features.append(hash(name, bin: blocks.indices.contains(other) ? bin(first[other], 10) : 99))
      }
      let lower = max(0, index - 3)
      let upper = min(blocks.count - 1, index + 3)
      let window = first[lower...upper].reduce(0, +) / Float(upper - lower + 1)
      features.append(hash("window", bin: bin(window, 10) * 10 + bin(first[index], 10)))
      for (level, section) in block.sections.enumerated() {
        guard let totals = sections[section] else { continue }
        let mean = bin(totals.sum / Float(max(1, totals.words)), 10)
        let share = min(7, (totals.words * 64 / pageWords).bitWidthBin)
        features.append(hash("section", bin: level * 1000 + mean))
        features.append(hash("section-share", bin: level * 1000 + mean * 10 + share))
        features.append(hash("section-own", bin: level * 1000 + mean * 10 + bin(first[index], 10)))
      }
      result.append(features)
    }
    return result
  }
}
