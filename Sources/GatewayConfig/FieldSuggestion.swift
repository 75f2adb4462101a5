/// "did you mean `ttl`?" for a misspelt field or value: a typo in a config
/// key is the most common mistake, and naming the intended key fixes it fastest.
enum FieldSuggestion {
    /// The candidate closest to `word`, if it is within two edits (Levenshtein,
    /// ASCII case-insensitive). Farther matches are more confusing than helpful.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let target = Array(word.lowercased().utf8)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased().utf8))
            guard distance <= 2, distance < max(target.count, 1) else { continue }
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
