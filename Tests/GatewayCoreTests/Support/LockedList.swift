import Synchronization

/// Values appended from any task, read back by the test.
final class LockedList<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    var elements: [Element] { storage.withLock { $0 } }

    var count: Int { storage.withLock { $0.count } }

    /// Waits (polling, up to `limit`) until at least `count` elements that
    /// satisfy `matching` arrived.
    func waitForCount(_ count: Int, matching: @escaping (Element) -> Bool = { _ in true }, limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        func matched() -> Int { elements.filter(matching).count }
        while matched() < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        return matched() >= count
    }
}
