import NIOCore

/// Runs a request's task on the event loop of the connection it answers.
///
/// Without a preference, a `Task` started from a channel handler runs on
/// Swift's cooperative pool: every request then crosses threads twice more
/// (loop → pool to start, pool → loop to write the answer), and every
/// continuation that the curl or Redis thread resumes wakes a pool thread
/// first. With this executor preferred, the task's nonisolated code runs on
/// the loop itself, and a resumed continuation is queued straight onto it.
///
/// It never blocks the loop: the pipeline only suspends (store and upstream
/// calls run on their own threads) and does pure computation in between.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
