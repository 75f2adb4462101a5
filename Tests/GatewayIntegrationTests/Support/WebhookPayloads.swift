/// Deliveries shaped as the senders document them (field names, id formats,
/// headers), with the per-attempt fields that change on a redelivery.
enum WebhookPayloads {
    /// A Stripe event (API 2024-06-20 shape). `pending_webhooks` counts the
    /// endpoints still to acknowledge it and changes between attempts.
    static func stripeEvent(id: String = "evt_1PqR7sLkdIwHu7ixAbCdEf12", pendingWebhooks: Int = 2, indent: Bool = false) -> String {
        let compact = #"{"id":"\#(id)","object":"event","api_version":"2024-06-20","created":1722018613,"data":{"object":{"id":"pi_3PqR7rLkdIwHu7ix0Xyz1234","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd","customer":"cus_QhKq3Jx1Yz9AbC","livemode":false,"metadata":{"order_id":"6735"},"status":"succeeded"}},"livemode":false,"pending_webhooks":\#(pendingWebhooks),"request":{"id":"req_0uYw8LkQeGmQ2N","idempotency_key":"8f2c1e4a-7b6d-4c3e-9a1f-2d5e6b7c8d9e"},"type":"payment_intent.succeeded"}"#
        guard indent else { return compact }
        // The same event as another serialiser writes it: members in
        // another order, white space between them.
        return """
            {
              "type": "payment_intent.succeeded",
              "request": { "idempotency_key": "8f2c1e4a-7b6d-4c3e-9a1f-2d5e6b7c8d9e", "id": "req_0uYw8LkQeGmQ2N" },
              "pending_webhooks": \(pendingWebhooks),
              "livemode": false,
              "id": "\(id)",
              "data": { "object": { "status": "succeeded", "metadata": { "order_id": "6735" }, "livemode": false,
                "customer": "cus_QhKq3Jx1Yz9AbC", "currency": "usd", "amount_received": 2000, "amount": 2000,
                "object": "payment_intent", "id": "pi_3PqR7rLkdIwHu7ix0Xyz1234" } },
              "created": 1722018613,
              "api_version": "2024-06-20",
              "object": "event"
            }
            """
    }

    static func stripeHeaders(attempt: Int) -> [(String, String)] {
        [("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
         ("Stripe-Signature", "t=\(1722018613 + attempt * 60),v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8b\(attempt)")]
    }

    /// An Amazon SNS HTTP(S) notification, as its documentation shows one.
    static func snsNotification(messageId: String = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324") -> String {
        #"{"Type":"Notification","MessageId":"\#(messageId)","TopicArn":"arn:aws:sns:us-west-2:123456789012:MyTopic","Subject":"My First Message","Message":"Hello world!","Timestamp":"2012-05-02T00:54:06.655Z","SignatureVersion":"1","Signature":"EXAMPLEw6JRN0pBcCv9aSeGvKp5fKZWfMSQ0YkTeaRcGc2F+8HQc6yp6aE3HCVm1tMqTtzeBR5wVkrg8WPMTaRuUFA7MI5pQmTr9jx9CmFPFcEhnn1mtPtxVpI+4DKN9NTpVzg9pAPgTzFYw1pVzbOLvF7DE9VMgdOtVuamkkkh6j1aq3/AzXvQkyHkACjvrQrZMQ9fnYjUDLe4fwiYh1kxZzeUt1VOqFx/4fiDCtlKm1AjZGZVMgzW1k4RnzLN0BhzQpa9uBn95Gw6+Iq0iupnfLKGUbtUOcnJCj5l3sQT4j9JC3T1AQ2XVo2AlwC6K0sv2xUx5kUkgd9SFVqQMrYjU8VhHw==","SigningCertURL":"https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem","UnsubscribeURL":"https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96"}"#
    }

    static func snsHeaders(messageId: String = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324") -> [(String, String)] {
        [("Content-Type", "text/plain; charset=UTF-8"), ("User-Agent", "Amazon Simple Notification Service Agent"),
         ("x-amz-sns-message-type", "Notification"), ("x-amz-sns-message-id", messageId),
         ("x-amz-sns-topic-arn", "arn:aws:sns:us-west-2:123456789012:MyTopic"),
         ("x-amz-sns-subscription-arn", "arn:aws:sns:us-west-2:123456789012:MyTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55")]
    }

    /// A Pub/Sub push envelope; `deliveryAttempt` is set when the
    /// subscription has a dead-letter policy and grows on each attempt.
    static func pubSubPush(messageId: String = "2070443601311540", deliveryAttempt: Int) -> String {
        #"{"message":{"attributes":{"eventType":"OBJECT_FINALIZE","bucketId":"my-bucket"},"data":"eyJuYW1lIjoicmVwb3J0LmNzdiIsInNpemUiOiIxMDI0In0=","messageId":"\#(messageId)","message_id":"\#(messageId)","publishTime":"2021-02-26T19:13:55.749Z","publish_time":"2021-02-26T19:13:55.749Z"},"subscription":"projects/myproject/subscriptions/mysubscription","deliveryAttempt":\#(deliveryAttempt)}"#
    }

    /// A CloudEvents 1.0 event in structured content mode.
    static func cloudEventStructured(id: String = "A234-1234-1234") -> String {
        #"{"specversion":"1.0","type":"com.github.pull_request.opened","source":"https://github.com/cloudevents/spec/pull","subject":"123","id":"\#(id)","time":"2018-04-05T17:31:00Z","comexampleextension1":"value","datacontenttype":"application/json","data":{"action":"opened","number":123}}"#
    }

    /// A CloudEvents 1.0 event in binary content mode: attributes as `ce-` headers.
    static func cloudEventBinaryHeaders(id: String = "A234-1234-1234", source: String = "https://github.com/cloudevents/spec/pull") -> [(String, String)] {
        [("ce-specversion", "1.0"), ("ce-type", "com.github.pull_request.opened"), ("ce-source", source),
         ("ce-id", id), ("ce-time", "2018-04-05T17:31:00Z"), ("Content-Type", "application/json")]
    }

    static let cloudEventBinaryData = #"{"action":"opened","number":123}"#

    /// A GitHub `push` delivery's headers; a redelivery keeps the delivery GUID.
    static func gitHubHeaders(delivery: String = "72d3162e-cc78-11e3-81ab-4c9367dc0958") -> [(String, String)] {
        [("Content-Type", "application/json"), ("User-Agent", "GitHub-Hookshot/044aadd"), ("X-GitHub-Event", "push"),
         ("X-GitHub-Delivery", delivery), ("X-GitHub-Hook-ID", "292430182"),
         ("X-GitHub-Hook-Installation-Target-ID", "79929171"), ("X-GitHub-Hook-Installation-Target-Type", "repository"),
         ("X-Hub-Signature-256", "sha256=d57c68ca6f92289e6987922ff26938930f6e66a2d161ef06abdf1859230aa23c")]
    }

    static let gitHubPush = #"{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0000000000000000000000000000000000000000","repository":{"id":186853002,"name":"Hello-World","full_name":"Codertocat/Hello-World","private":false},"pusher":{"name":"Codertocat","email":"21031067+Codertocat@users.noreply.github.com"},"sender":{"login":"Codertocat","id":21031067,"type":"User"},"created":false,"deleted":true,"forced":false,"commits":[],"head_commit":null}"#
}
