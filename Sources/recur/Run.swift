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

      With a SQLite store, one run per job at a time: a second exits 2 at once, naming the \
      running one. With a PostgreSQL store ([store] url), every `recur run` of the job on any \
      machine is a worker of one run: the first opens it and queues its URLs, the others \
      join and claim URLs from the queue; the worker that finds the queue empty closes the \
      run and writes the report (recur status shows the workers). SIGINT or SIGTERM stops \
      after the documents in flight, writes a partial report and exits 1 (a second signal \
      exits at once); a stopped worker's URLs go back to the queue. A progress bar is drawn on a terminal, plain lines every \
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

  @Option(help: "This worker's name in a shared run (PostgreSQL store; default HOST:PID).")
  var workerID: String?

  func run() throws {
    let status = try RunCommand(jobPath: job, limit: limit, stage: stage, quiet: quiet, workerID: workerID)
      .run(write: Console.out)
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

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show where a run of a job stands: its documents and, when shared, its queue and workers.",
    discussion: """
      Reads the store named by JOB.toml and prints run ID (default: the newest): running or \
      how it ended, its documents by outcome, and for a run shared through a PostgreSQL \
      store its URLs (queued, leased, done) and each worker (state, last heartbeat, URLs \
      held, documents done and failed). Changes nothing.

      Example: recur status jobs/nightly.toml
      """
  )

  @Argument(help: "The job file.")
  var job: String

  @Option(name: .customLong("run"), help: "The run to show (default: the newest).")
  var runID: Int64?

  func run() throws {
    let status = try StatusCommand(jobPath: job, run: runID).run(write: Console.out)
    if status != .success { throw ExitCode(status.rawValue) }
  }
}
