import CCurl
import Logging

/// A URL on its way through the scheduler: a page the caller asked for, or the
/// robots.txt of an origin.
final class FetchJob {
  enum Kind {
    case page(FetchRequest)
    case robots(origin: String)
  }

  let kind: Kind
  /// The URL of the current hop.
  var url: String
  var parts: URLParts
  var redirects: [String] = []
  /// Transfers made for the current hop.
  var attempts = 0
  /// Not to be started before this monotonic time (retry backoff).
  var notBefore = 0.0
  var firstStart: Double?

  init(kind: Kind, url: String, parts: URLParts) {
    self.kind = kind
    self.url = url
    self.parts = parts
  }

  var request: FetchRequest? {
    if case .page(let request) = kind { return request }
    return nil
  }
}

/// Politeness and robots.txt state of one origin for one run.
final class OriginState {
  enum Robots {
    case unknown
    /// The robots.txt transfer is in flight.
    case pending
    /// The robots.txt job waits for a retry or its next redirect hop.
    case waiting(FetchJob)
    /// `unavailable` says why robots.txt could not be had; the origin is then off limits.
    case ready(RobotsRules, unavailable: String?)
  }

  let origin: String
  /// `file://` and robots-off origins skip politeness entirely.
  let isPolite: Bool
  var active = 0
  var nextStart = 0.0
  var delay: Double
  var robots: Robots
  /// Jobs waiting their turn, oldest first (`head` marks the next).
  var queue: [FetchJob] = []
  var head = 0
  /// Retries and redirect hops, which go before new jobs once their time comes.
  var ready: [FetchJob] = []

  init(origin: String, isPolite: Bool, delay: Double, obeyRobots: Bool) {
    self.origin = origin
    self.isPolite = isPolite
    self.delay = delay
    self.robots = obeyRobots && isPolite ? .unknown : .ready(.allowAll, unavailable: nil)
  }

  var hasWork: Bool { head < queue.count || !ready.isEmpty }

  /// The next job that may start at `now`, removed from its queue.
  func takeJob(now: Double) -> FetchJob? {
    if let index = ready.firstIndex(where: { $0.notBefore <= now }) {
      return ready.remove(at: index)
    }
    guard head < queue.count else { return nil }
    let job = queue[head]
    head += 1
    if head > 1024 && head * 2 > queue.count {
      queue.removeFirst(head)
      head = 0
    }
    return job
  }

  /// When this origin could next start something, ignoring the global limit.
  func earliestStart() -> Double? {
    var earliest: Double?
    if head < queue.count { earliest = 0 }
    if let retry = ready.map(\.notBefore).min() { earliest = min(earliest ?? retry, retry) }
    guard let earliest else { return nil }
    return isPolite ? max(earliest, nextStart) : earliest
  }
}

/// One call of `CurlFetcher.fetch`: the curl multi handle, the schedule and the
/// per-origin state. Everything here stays on the calling thread.
final class FetchSession {
  private let settings: FetchSettings
  private let logger: Logger
  private let multi: UnsafeMutableRawPointer
  private var origins: [String: OriginState] = [:]
  private var originOrder: [OriginState] = []
  private var rotation = 0
  private var active: [UnsafeMutableRawPointer: Transfer] = [:]
  private var idleHandles: [UnsafeMutableRawPointer] = []
  private var outstandingPages = 0
  private let emit: (FetchResult) -> Void
  var stopRequested: (@Sendable () -> Bool)?
  /// What earlier sessions of the same fetcher learnt of each origin.
  private let memory: OriginMemory?

  init?(
    settings: FetchSettings, logger: Logger, memory: OriginMemory? = nil, emit: @escaping (FetchResult) -> Void
  ) {
    CurlFetcher.initialiseLibcurl
    guard let multi = curl_multi_init() else { return nil }
    self.multi = multi
    self.settings = settings
    self.logger = logger
    self.emit = emit
    self.memory = memory
    // Connections are reused across transfers; cap them so a run over many hosts
    // does not hold every socket open.
    _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, settings.concurrency * 2)
    _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.perHostConcurrency)
  }

  deinit {
    memory?.keep(originOrder)
    for (handle, _) in active {
      curl_multi_remove_handle(multi, handle)
      curl_easy_cleanup(handle)
    }
    for handle in idleHandles { curl_easy_cleanup(handle) }
    curl_multi_cleanup(multi)
  }

  func run(_ requests: [FetchRequest]) {
    for request in requests {
      switch URLParts.parse(request.url) {
      case .failure(let problem):
        emit(
          FetchResult(
            url: request.url, finalURL: request.url, attempts: 0, outcome: .failed, reason: problem.reason))
      case .success(let parts):
        let job = FetchJob(kind: .page(request), url: request.url, parts: parts)
        origin(for: parts).queue.append(job)
        outstandingPages += 1
      }
    }

    while outstandingPages > 0 || !active.isEmpty {
      if let stopRequested, stopRequested() {
        failEverything(reason: "interrupted")
        return
      }
      startEligible(now: monotonicSeconds())
      var running: Int32 = 0
      let performCode = curl_multi_perform(multi, &running)
      if performCode != CURLM_OK {
        failEverything(reason: "libcurl multi error: \(String(cString: curl_multi_strerror(performCode)))")
        return
      }
      collectFinished()
      if outstandingPages == 0 && active.isEmpty { break }
      var events: Int32 = 0
      curl_multi_poll(multi, nil, 0, waitMilliseconds(now: monotonicSeconds()), &events)
    }
  }

  // MARK: Scheduling

  private func origin(for parts: URLParts) -> OriginState {
    let key = parts.scheme == "file" ? "file://" : parts.origin
    if let existing = origins[key] { return existing }
    let state = OriginState(
      origin: key, isPolite: parts.isHTTP, delay: settings.perHostDelay, obeyRobots: settings.obeyRobots)
    memory?.restore(state)
    origins[key] = state
    originOrder.append(state)
    return state
  }

  private func startEligible(now: Double) {
    guard !originOrder.isEmpty else { return }
    let count = originOrder.count
    var visited = 0
    while visited < count && active.count < settings.concurrency {
      let state = originOrder[(rotation + visited) % count]
      visited += 1
      startJobs(of: state, now: now)
    }
    rotation = (rotation + 1) % count
  }

  private func startJobs(of state: OriginState, now: Double) {
    while active.count < settings.concurrency {
      if state.isPolite {
        guard state.active < settings.perHostConcurrency, now >= state.nextStart else { return }
      }
      switch state.robots {
      case .pending:
        return
      case .waiting(let job):
        guard job.notBefore <= now else { return }
        state.robots = .pending
        start(job, accountedTo: state, now: now)
        return
      case .unknown:
        guard state.hasWork, let job = robotsJob(for: state) else { return }
        state.robots = .pending
        start(job, accountedTo: state, now: now)
        return
      case .ready(let rules, let unavailable):
        guard let job = state.takeJob(now: now) else { return }
        if let verdict = robotsVerdict(for: job, rules: rules, unavailable: unavailable) {
          finish(job, outcome: verdict.outcome, reason: verdict.reason, transfer: nil, now: now)
          continue
        }
        start(job, accountedTo: state, now: now)
      }
    }
  }

  /// Why robots.txt stops `job`, or nil when it may be fetched. A site whose robots.txt
  /// could not be had fails (the run should be retried); an explicit rule skips.
  private func robotsVerdict(
    for job: FetchJob, rules: RobotsRules, unavailable: String?
  ) -> (outcome: FetchOutcome, reason: String)? {
    guard case .page = job.kind, job.parts.isHTTP, settings.obeyRobots else { return nil }
    if let unavailable {
      return (.failed, "robots.txt unavailable (\(unavailable)), so the site is off limits for this run")
    }
    if let rule = rules.decidingRule(for: job.parts.pathAndQuery), !rule.allow {
      return (.skipped, "disallowed by robots.txt (\(rule.description))")
    }
    return nil
  }

  private func robotsJob(for state: OriginState) -> FetchJob? {
    let url = state.origin.replacingPortIfDefault() + "/robots.txt"
    guard case .success(let parts) = URLParts.parse(url) else {
      state.robots = .ready(.allowAll, unavailable: nil)
      return nil
    }
    return FetchJob(kind: .robots(origin: state.origin), url: url, parts: parts)
  }

  private func waitMilliseconds(now: Double) -> Int32 {
    if !active.isEmpty && active.count >= settings.concurrency { return 1000 }
    var earliest: Double?
    for state in originOrder where state.hasWork {
      if case .pending = state.robots { continue }
      if case .waiting(let job) = state.robots {
        earliest = min(earliest ?? job.notBefore, max(job.notBefore, state.nextStart))
        continue
      }
      if let start = state.earliestStart() { earliest = min(earliest ?? start, start) }
    }
    guard let earliest else { return 1000 }
    let milliseconds = (earliest - now) * 1000
    return Int32(max(0, min(1000, milliseconds.rounded(.up))))
  }

  // MARK: Starting a transfer

  private func start(_ job: FetchJob, accountedTo state: OriginState, now: Double) {
    job.attempts += 1
    if job.firstStart == nil { job.firstStart = now }
    guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
      finish(job, outcome: .failed, reason: "libcurl could not create a transfer handle", transfer: nil, now: now)
      return
    }
    let isRobots: Bool
    if case .robots = job.kind { isRobots = true } else { isRobots = false }
    let accepted: Set<String>? =
      isRobots || settings.acceptedContentTypes.isEmpty ? nil : settings.acceptedContentTypes
    let transfer = Transfer(
      handle: handle, job: job, maxBytes: isRobots ? 500 * 1024 : settings.maxBytes,
      acceptedTypes: accepted, truncateAtLimit: isRobots, stallTimeout: settings.lowSpeedTimeout)
    configure(transfer)
    let addCode = curl_multi_add_handle(multi, handle)
    guard addCode == CURLM_OK else {
      curl_easy_cleanup(handle)
      finish(
        job, outcome: .failed, reason: "libcurl refused the transfer: \(String(cString: curl_multi_strerror(addCode)))",
        transfer: nil, now: now)
      return
    }
    active[handle] = transfer
    transferOrigin[handle] = state
    state.active += 1
    state.nextStart = now + state.delay
    logger.debug("start", metadata: ["url": "\(job.url)", "attempt": "\(job.attempts)"])
  }

  private var transferOrigin: [UnsafeMutableRawPointer: OriginState] = [:]

  private func configure(_ transfer: Transfer) {
    let handle = transfer.handle
    let job = transfer.job
    _ = CCurl_easy_setopt_string(handle, CURLOPT_URL, job.url)
    _ = CCurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    _ = CCurl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https,file")
    _ = CCurl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)  // hops are scheduled here, each checked.
    _ = CCurl_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl has.
    _ = CCurl_easy_setopt_string(handle, CURLOPT_USERAGENT, settings.userAgent)
    _ = CCurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
    _ = CCurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.timeout * 1000))
    _ = CCurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
    let userdata = Unmanaged.passUnretained(transfer).toOpaque()
    _ = CCurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Transfer.writeCallback)
    _ = CCurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata)
    _ = CCurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Transfer.headerCallback)
    _ = CCurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata)
    _ = CCurl_easy_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
    _ = CCurl_easy_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, Transfer.progressCallback)
    _ = CCurl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, userdata)
    if let request = job.request, job.parts.isHTTP {
      var list: UnsafeMutablePointer<curl_slist>?
      if let etag = request.validators.etag, !etag.isEmpty, !etag.contains(where: \.isNewline) {
        list = curl_slist_append(list, "If-None-Match: \(etag)")
      }
      if let date = request.validators.lastModified, !date.isEmpty, !date.contains(where: \.isNewline) {
        list = curl_slist_append(list, "If-Modified-Since: \(date)")
      }
      if let list {
        transfer.requestHeaders = list
        _ = CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
      }
    }
  }

  // MARK: Finished transfers

  private func collectFinished() {
    var remaining: Int32 = 0
    while let message = curl_multi_info_read(multi, &remaining) {
      guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
      // Copy what the message says before the handle is removed: removal frees it.
      let code = CCurl_msg_result(message)
      guard let transfer = active.removeValue(forKey: handle) else { continue }
      let state = transferOrigin.removeValue(forKey: handle)
      state?.active -= 1
      var redirectTarget: UnsafeMutablePointer<CChar>?
      _ = CCurl_easy_getinfo_string(handle, CURLINFO_REDIRECT_URL, &redirectTarget)
      let redirect = redirectTarget.map { String(cString: $0) }
      curl_multi_remove_handle(multi, handle)
      conclude(transfer, code: code, redirect: redirect, now: monotonicSeconds())
      curl_easy_reset(handle)
      idleHandles.append(handle)
    }
  }

  /// What a finished transfer means, before the page/robots distinction.
  private enum Verdict {
    case body
    case notModified
    case redirect(String)
    case retry(reason: String, retryAfter: Double?)
    case failed(String)
    case skipped(String)
  }

  private func verdict(for transfer: Transfer, code: CURLcode, redirect: String?) -> Verdict {
    switch transfer.stopReason {
    case .tooLarge(let limit):
      return .failed("body larger than \(limit) bytes (max-bytes); transfer stopped")
    case .contentType(let mime):
      return .skipped("content type \(mime ?? "unknown (not recognised from the body)") not requested")
    case .stalled(let seconds):
      let reason = "timed out: nothing received for \(JSONNumber.short(seconds)) s (low-speed timeout)"
      return transfer.job.parts.isHTTP ? .retry(reason: reason, retryAfter: nil) : .failed(reason)
    case nil:
      break
    }
    if code != CURLE_OK && !(transfer.truncated && code == CURLE_WRITE_ERROR) {
      let detail =
        transfer.curlErrorMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : transfer.curlErrorMessage
      let reason = describe(code: code, detail: detail)
      return RetryPolicy.retryableCurlCodes.contains(code.rawValue) && transfer.job.parts.isHTTP
        ? .retry(reason: reason, retryAfter: nil) : .failed(reason)
    }
    guard let status = transfer.status else { return .body }  // file://
    switch status {
    case 304:
      return .notModified
    case 300..<400:
      if let redirect, !redirect.isEmpty { return .redirect(redirect) }
      return .failed("HTTP \(status) without a usable Location header")
    case 200..<300:
      return .body
    default:
      let reason = "HTTP \(status)\(HTTPStatusText.phrase(status).map { " \($0)" } ?? "")"
      if RetryPolicy.isRetryable(status: status) {
        let after = transfer.headers["retry-after"].flatMap { RetryPolicy.retryAfterSeconds($0) }
        return .retry(reason: reason, retryAfter: after)
      }
      return .failed(reason)
    }
  }

  private func describe(code: CURLcode, detail: String) -> String {
    switch code {
    case CURLE_OPERATION_TIMEDOUT: return "timed out: \(detail)"
    case CURLE_COULDNT_CONNECT: return "could not connect: \(detail)"
    case CURLE_COULDNT_RESOLVE_HOST: return "could not resolve host: \(detail)"
    case CURLE_FILE_COULDNT_READ_FILE: return "could not read file: \(detail)"
    case CURLE_FILESIZE_EXCEEDED: return "body larger than \(settings.maxBytes) bytes (max-bytes); transfer stopped"
    default: return detail
    }
  }

  private func conclude(_ transfer: Transfer, code: CURLcode, redirect: String?, now: Double) {
    let job = transfer.job
    switch verdict(for: transfer, code: code, redirect: redirect) {
    case .redirect(let target):
      if let problem = redirectProblem(job: job, target: target) {
        finish(job, outcome: .failed, reason: problem, transfer: transfer, now: now)
      } else {
        follow(job, to: target)
      }
    case .retry(let reason, let retryAfter):
      if job.attempts < settings.maxAttempts {
        var wait = RetryPolicy.backoff(afterAttempt: job.attempts, base: settings.retryBaseDelay)
        if let retryAfter { wait = max(wait, min(retryAfter, settings.maxRetryAfter)) }
        logger.debug("retry", metadata: ["url": "\(job.url)", "reason": "\(reason)", "wait_s": "\(wait)"])
        job.notBefore = now + wait
        requeue(job)
      } else {
        let times = job.attempts == 1 ? "1 attempt" : "\(job.attempts) attempts"
        finish(job, outcome: .failed, reason: "\(reason) (after \(times))", transfer: transfer, now: now)
      }
    case .failed(let reason):
      finish(job, outcome: .failed, reason: reason, transfer: transfer, now: now)
    case .skipped(let reason):
      finish(job, outcome: .skipped, reason: reason, transfer: transfer, now: now)
    case .notModified:
      finish(
        job, outcome: .unchanged, reason: "not modified since the last fetch (HTTP 304)", transfer: transfer, now: now)
    case .body:
      if !transfer.typeDecided && !transfer.decideContentType(firstBytes: transfer.body) {
        let mime = transfer.mime ?? "unknown (not recognised from the body)"
        finish(job, outcome: .skipped, reason: "content type \(mime) not requested", transfer: transfer, now: now)
      } else {
        finish(job, outcome: .ok, reason: nil, transfer: transfer, now: now)
      }
    }
  }

  private func redirectProblem(job: FetchJob, target: String) -> String? {
    let chain = (job.redirects + [job.url, target]).joined(separator: " → ")
    if job.redirects.count >= settings.maxRedirects {
      return "too many redirects (more than \(settings.maxRedirects)): \(chain)"
    }
    if job.redirects.contains(target) || job.url == target {
      return "redirect loop: \(chain)"
    }
    let scheme = target.prefix { $0 != ":" }.lowercased()
    if scheme != "http" && scheme != "https" {
      return "redirect to \(target) refused: only http and https redirects are followed"
    }
    if case .failure(let problem) = URLParts.parse(target) {
      return "redirect to an unusable URL \(target): \(problem.reason)"
    }
    return nil
  }

  private func follow(_ job: FetchJob, to target: String) {
    guard case .success(let parts) = URLParts.parse(target) else { return }
    job.redirects.append(job.url)
    job.url = target
    job.parts = parts
    job.attempts = 0
    job.notBefore = 0
    requeue(job)
  }

  /// Puts a retry or a redirect hop back in line. A robots.txt job stays with the
  /// origin it speaks for, whose pages wait on it.
  private func requeue(_ job: FetchJob) {
    if case .robots(let originKey) = job.kind, let state = origins[originKey] {
      state.robots = .waiting(job)
    } else {
      origin(for: job.parts).ready.append(job)
    }
  }

  /// A job is done: a page becomes a result; a robots.txt becomes its origin's rules.
  private func finish(_ job: FetchJob, outcome: FetchOutcome, reason: String?, transfer: Transfer?, now: Double) {
    switch job.kind {
    case .robots(let originKey):
      guard let state = origins[originKey] else { return }
      applyRobots(to: state, outcome: outcome, status: transfer?.status, body: transfer?.body ?? [], reason: reason)
    case .page(let request):
      outstandingPages -= 1
      let validators = Validators(
        etag: transfer?.headers["etag"] ?? (outcome == .unchanged ? request.validators.etag : nil),
        lastModified: transfer?.headers["last-modified"]
          ?? (outcome == .unchanged ? request.validators.lastModified : nil))
      emit(
        FetchResult(
          url: request.url, finalURL: job.url, status: transfer?.status,
          contentType: transfer?.mime
            ?? transfer?.headers["content-type"].map { ContentTypePolicy.parseHeader($0).mime },
          charset: transfer?.charset
            ?? transfer?.headers["content-type"].flatMap { ContentTypePolicy.parseHeader($0).charset },
          validators: validators, body: outcome == .ok ? (transfer?.body ?? []) : [],
          elapsedMilliseconds: job.firstStart.map { (now - $0) * 1000 } ?? 0,
          attempts: job.attempts, redirects: job.redirects, outcome: outcome, reason: reason))
    }
  }

  /// RFC 9309 §2.3.1: a 2xx body is the rules; 4xx means no rules; 5xx or no answer
  /// means the whole origin is off limits for this run.
  private func applyRobots(
    to state: OriginState, outcome: FetchOutcome, status: Int?, body: [UInt8], reason: String?
  ) {
    let rules: RobotsRules
    var unavailable: String?
    switch (outcome, status) {
    case (.ok, _):
      rules = RobotsRules(parsing: body, productToken: settings.robotsProductToken)
    case (_, .some(let code)) where (400..<500).contains(code) && code != 429:
      rules = .allowAll
    case (.unchanged, _):
      rules = .allowAll
    default:
      rules = .disallowAll
      unavailable = reason ?? "no answer"
    }
    if let crawlDelay = rules.crawlDelay {
      state.delay = max(settings.perHostDelay, min(crawlDelay, settings.maxCrawlDelay))
    }
    logger.debug(
      "robots", metadata: ["origin": "\(state.origin)", "rules": "\(rules.rules.count)", "delay_s": "\(state.delay)"])
    state.robots = .ready(rules, unavailable: unavailable)

    // Settle the waiting pages robots.txt rules out now, without waiting for a politeness slot.
    let now = monotonicSeconds()
    var kept: [FetchJob] = []
    for job in state.queue[state.head...] {
      if let verdict = robotsVerdict(for: job, rules: rules, unavailable: unavailable) {
        finish(job, outcome: verdict.outcome, reason: verdict.reason, transfer: nil, now: now)
      } else {
        kept.append(job)
      }
    }
    state.queue = kept
    state.head = 0
  }

  private func failEverything(reason: String) {
    let now = monotonicSeconds()
    for state in originOrder {
      while let job = state.takeJob(now: .infinity) {
        finish(job, outcome: .failed, reason: reason, transfer: nil, now: now)
      }
    }
    for (_, transfer) in active {
      finish(transfer.job, outcome: .failed, reason: reason, transfer: nil, now: now)
    }
  }
}

extension String {
  /// `https://host:443` → `https://host`, so robots.txt is asked for as a browser would.
  fileprivate func replacingPortIfDefault() -> String {
    if hasPrefix("http://") && hasSuffix(":80") { return String(dropLast(3)) }
    if hasPrefix("https://") && hasSuffix(":443") { return String(dropLast(4)) }
    return self
  }
}

/// Each origin's politeness state between the calls of one fetcher (a run fetches its
/// URLs a chunk at a time): when the next request may start, its delay (a robots.txt
/// Crawl-delay included) and its robots.txt rules, so neither the delay nor robots.txt
/// starts over with each chunk. Used by one thread at a time (the fetcher's).
final class OriginMemory: @unchecked Sendable {
  private struct Kept {
    var nextStart: Double
    var delay: Double
    var robots: OriginState.Robots?
  }

  private var origins: [String: Kept] = [:]

  func keep(_ states: [OriginState]) {
    for state in states {
      var robots: OriginState.Robots?
      if case .ready = state.robots { robots = state.robots }
      origins[state.origin] = Kept(nextStart: state.nextStart, delay: state.delay, robots: robots)
    }
  }

  func restore(_ state: OriginState) {
    guard let kept = origins[state.origin] else { return }
    state.nextStart = kept.nextStart
    state.delay = kept.delay
    if let robots = kept.robots { state.robots = robots }
  }
}
