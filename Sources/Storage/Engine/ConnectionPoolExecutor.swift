import Dispatch

/// Where the PostgreSQL connection pool's own tasks run: the pool service (`PostgresClient.run`,
/// which opens, keeps alive and closes connections) and the first statement that proves the
/// server is there. Their jobs go to a dispatch queue of their own instead of Swift's shared
/// cooperative pool, which has as many threads as the machine has cores (two here). When those
/// threads are busy with synchronous work (an engine evaluating a large ledger, a test run that
/// starts dozens of tests at once), a connection's handshake would otherwise wait behind that work
/// and the server look absent although it answered at once.
final class ConnectionPoolExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "kuajing.postgres.pool", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
