import Foundation
import Testing
@testable import GatewayCore

/// `key_json` and `fingerprint: {body: json}` through the pipeline, over
/// the memory store: where the key comes from, and which retries count as
/// the same request.
@Suite struct RequestPipelineBodyKeyTests {
    private func pointer(_ text: String) -> JSONPointer { try! JSONPointer.parse(text).get() }

    private func policy(keyJSON: String? = nil, body: BodyFingerprintMode = .raw, ignore: [String] = [],
                        required: Bool = false) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.keyJSON = keyJSON.map(pointer)
        policy.fingerprint = BodyFingerprint(body: body, ignore: ignore.map(pointer))
        policy.required = required
        return policy
    }

    @Test func theKeyComesFromTheBodyAndTheHeaderIsIgnored() async {
        let fixture = PipelineFixture(policy: policy(keyJSON: "/id"))
        let first = await fixture.handle(charge(key: "header-1", body: #"{"id":"evt_1","amount":1}"#))
        let retry = await fixture.handle(charge(key: "header-2", body: #"{"id":"evt_1","amount":1}"#))
        #expect(first.outcome == .executed)
        #expect(retry.outcome == .replayed)
        #expect(retry.keyDigest == fixture.storeKey("evt_1").digest)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func integerKeysAreReadAsWritten() async {
        let fixture = PipelineFixture(policy: policy(keyJSON: "/message/messageId"))
        let first = await fixture.handle(charge(key: nil, body: #"{"message":{"messageId":2070443601311540}}"#))
        #expect(first.outcome == .executed)
        #expect(first.keyDigest == fixture.storeKey("2070443601311540").digest)
    }

    @Test(arguments: ["not json", #"{"id":1.5}"#, #"{"id":true}"#, #"{"id":null}"#, #"{"id":{"x":1}}"#, #"{"other":"x"}"#,
                      #"{"id":"a","id":"b"}"#])
    func noUsableKeyIsAMissingKey(body: String) async {
        let required = PipelineFixture(policy: policy(keyJSON: "/id", required: true))
        let refused = await required.handle(charge(key: "header-key", body: body))
        #expect(refused.outcome == .missingKey)
        #expect(refused.response.status == 400)
        #expect(refused.response.text.contains("missing-idempotency-key"))
        #expect(refused.response.text.contains("/id"))
        #expect(required.transport.callCount == 0)

        let optional = PipelineFixture(policy: policy(keyJSON: "/id"))
        let forwarded = await optional.handle(charge(key: "header-key", body: body))
        #expect(forwarded.outcome == .passthrough)
        #expect(optional.transport.callCount == 1)
    }

    @Test func bodyKeysAreValidatedLikeHeaderKeys() async {
        let fixture = PipelineFixture(policy: policy(keyJSON: "/id"))
        for body in [#"{"id":""}"#, #"{"id":"\#(String(repeating: "k", count: 256))"}"#, #"{"id":"caf\u00e9"}"#, #"{"id":"a\nb"}"#] {
            let result = await fixture.handle(charge(key: nil, body: body))
            #expect(result.outcome == .invalidKey)
            #expect(result.response.status == 400)
            #expect(result.response.text.contains(#"body member \"/id\""#))
        }
        #expect(fixture.transport.callCount == 0)
        let spaced = await fixture.handle(charge(key: nil, body: #"{"id":"a b"}"#))
        #expect(spaced.outcome == .executed)
    }

    @Test func jsonFingerprintIgnoresOrderWhiteSpaceAndIgnoredMembers() async {
        let fixture = PipelineFixture(policy: policy(body: .json, ignore: ["/attempt", "/meta/sent_at"]))
        let first = await fixture.handle(charge(body: #"{"a":1,"b":[1,2],"attempt":1,"meta":{"sent_at":"10:00","src":"x"}}"#))
        let retry = await fixture.handle(charge(body: "{ \"meta\" : { \"src\" : \"x\", \"sent_at\" : \"10:05\" },\n \"b\":[1, 2], \"a\":1.0, \"attempt\": 2 }"))
        #expect(first.outcome == .executed)
        #expect(retry.outcome == .replayed)
        let changed = await fixture.handle(charge(body: #"{"a":1,"b":[2,1],"attempt":3,"meta":{"sent_at":"10:00","src":"x"}}"#))
        #expect(changed.outcome == .mismatch)
        #expect(changed.response.status == 422)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func rawFingerprintStillSeesEveryByte() async {
        let fixture = PipelineFixture(policy: policy())
        _ = await fixture.handle(charge(body: #"{"a":1,"b":2}"#))
        let reordered = await fixture.handle(charge(body: #"{"b":2,"a":1}"#))
        #expect(reordered.outcome == .mismatch)
    }

    @Test(arguments: ["", "amount=100", #"{"a":1}x"#, #"{"a":1,"a":2}"#, #"{"n":1e400}"#])
    func aBodyThatIsNotJSONIsRefusedOnAJSONRoute(body: String) async {
        let fixture = PipelineFixture(policy: policy(body: .json))
        let result = await fixture.handle(charge(body: body))
        #expect(result.outcome == .bodyNotJSON)
        #expect(result.response.status == 400)
        #expect(result.response.text.contains("body-not-json"))
        #expect(fixture.transport.callCount == 0)
        // Without a key nothing is fingerprinted, so the body is not read.
        let unkeyed = await fixture.handle(charge(key: nil, body: body))
        #expect(unkeyed.outcome == .passthrough)
    }

    /// Large JSON bodies are admitted in a detached task (off the event
    /// loop); the answer must be the same as on the loop: key found in the
    /// body, reformatted retry replayed, changed body 422, one execution.
    @Test func largeJSONBodiesAreAdmittedOffTheLoopWithTheSameAnswers() async {
        let items = (0..<4000).map { #"{"n":\#($0),"tag":"item"}"# }.joined(separator: ",")
        let body = #"{"id":"evt_big","items":["# + items + "]}"
        #expect(body.utf8.count >= RequestPipeline.offLoopJSONBytes)
        let routePolicy = policy(keyJSON: "/id", body: .json)
        #expect(RequestPipeline.admitsOffLoop(body.utf8.count, policy: routePolicy))
        let fixture = PipelineFixture(policy: routePolicy)
        let first = await fixture.handle(charge(key: nil, body: body))
        let retry = await fixture.handle(charge(key: nil, body: body.replacingOccurrences(of: ",", with: ", ")))
        let changed = await fixture.handle(charge(key: nil, body: body.replacingOccurrences(of: "item", with: "iten")))
        #expect(first.outcome == .executed)
        #expect(retry.outcome == .replayed)
        #expect(retry.keyDigest == fixture.storeKey("evt_big").digest)
        #expect(changed.outcome == .mismatch)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func onlyLargeBodiesOnRoutesThatParseJSONLeaveTheLoop() {
        let big = RequestPipeline.offLoopJSONBytes
        #expect(!RequestPipeline.admitsOffLoop(big - 1, policy: policy(keyJSON: "/id")))
        #expect(RequestPipeline.admitsOffLoop(big, policy: policy(keyJSON: "/id")))
        #expect(RequestPipeline.admitsOffLoop(big, policy: policy(body: .json)))
        #expect(!RequestPipeline.admitsOffLoop(10 * big, policy: policy()))
    }
}
