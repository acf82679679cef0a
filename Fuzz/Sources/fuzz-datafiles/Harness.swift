import RecurJobs
import RecurModels

/// Any bytes as a labelled data file or a training mix, as `recur train` and `recur eval`
/// read them. The first byte picks the reader: sentiment TSV, spreadsheet CSV or JSON lines;
/// names TSV or offset-marked JSON lines; a names or a sentiment mix file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
  switch data[0] % 7 {
  case 0: _ = try? SentimentData.parse(text, name: "fuzz.tsv")
  case 1: _ = try? SentimentData.parse(text, name: "fuzz.csv")
  case 2: _ = try? SentimentData.parse(text, name: "fuzz.jsonl")
  case 3: _ = try? NamesData.parse(text, name: "fuzz.tsv")
  case 4: _ = try? NamesData.parseOffsets(text, name: "fuzz.jsonl")
  case 5: _ = try? NamesMix.parse(text, name: "fuzz.mix")
  default: _ = try? SentimentMix.parse(text, name: "fuzz.mix")
  }
  return 0
}
