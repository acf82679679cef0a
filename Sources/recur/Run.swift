import ArgumentParser
import RecurJobs

extension RunStage: ExpressibleByArgument {}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a job: fetch its sources, parse, label, store and write the report.",
    discussion: """
      JOB.toml names the sources, fetch settings, models, report and store (every key: \
      jobs/README.md). Each document is committed to the job's SQLite store on its own; a \
      rerun sends the stored HTTP validators and keeps the labels of unchanged content made \
      by unchanged models. The report goes to REPORTS/NAME/RUN-ID/ (report.html, report.md, \
      documents.jsonl, entities.csv) with REPORTS/NAME/latest pointing at it; the path of \
      report.html is printed on standard output.

      --stage stops after that stage: fetch (fetch log only), parse (text and metadata \
      stored, no labels), label (labels stored, no report), report (everything, the default).

      One run per job at a time: a second exits 2 at once, naming the running one. SIGINT or \
      SIGTERM stops after the documents in flight, writes a partial report and exits 1 (a \
      second signal exits at once). A progress bar is drawn on a terminal, plain lines every \
      ten seconds otherwise; --quiet prints only errors and the report path.

      Exit codes: 0 all good; 1 finished but some documents failed (the report says which \
      and why) or the run was interrupted; 2 usage or job file error, or the job is already \
      running; 3 fatal (store or report cannot be written).

      Example: recur run jobs/demo.toml
      """
  )

  @Argument(help: "The job file.")
  var job: String

  @Option(help: "Process at most N documents (overrides the job's [sources] limit).")
  var limit: Int?

  @Option(help: "The last stage to run: fetch, parse, label or report.")
  var stage: RunStage = .report

  @Flag(help: "No progress or summary lines.")
  var quiet = false

  func run() throws {
    let status = try RunCommand(jobPath: job, limit: limit, stage: stage, quiet: quiet).run(write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a run's report again from the job's store, without fetching.",
    discussion: """
      Reads the store named by JOB.toml and writes the report of run ID (default: the newest) \
      to REPORTS/NAME/ID/ in the job's formats, pointing REPORTS/NAME/latest at it. Prints the \
      path of report.html.

      Example: recur report jobs/demo.toml --run 1
      """
  )

  @Argument(help: "The job file.")
  var job: String

  @Option(name: .customLong("run"), help: "The run to report (default: the newest).")
  var runID: Int64?

  func run() throws {
    let status = try ReportCommand(jobPath: job, run: runID).run(write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}
