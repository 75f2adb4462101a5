-- The idempotency layer a team would write in an afternoon instead of
-- adopting the gateway: nginx + ngx_http_lua + lua-resty-redis (Debian's
-- lua-nginx-redis, `nginx.redis`). It is the peer the gateway's keyed paths
-- are measured against, so it keeps the same semantics as a gateway route:
--   * the store key is a per-route SHA-256 of the Idempotency-Key;
--   * the fingerprint is a SHA-256 of method, path, query and body;
--   * a GET of the record decides: replay (Idempotent-Replayed: true), 422 on
--     a fingerprint mismatch, 409 while in flight;
--   * otherwise a SET NX PX claim (lease `lock_ms`), a subrequest to the
--     upstream over keepalive, then a SET EX of the response (`ttl_s`), or a
--     DEL of the claim on a 5xx so a retry executes again.
-- It does less than the gateway: no fencing, no lease renewal, no owner
-- check on release, no breaker, no metrics.
local redis = require "nginx.redis"
local sha256 = require "nginx.sha256"
local str = require "nginx.string"
local cjson = require "cjson.safe"

local _M = {}

local function hash(text)
    local digest = sha256:new()
    digest:update(text)
    return str.to_hex(digest:final())
end

local function connect(conf)
    local red = redis:new()
    -- lua-resty-redis 0.27 (Debian's) has set_timeout only; an unknown
    -- method is sent to Redis as a command, on a socket not yet connected.
    red:set_timeout(500)
    local ok, err = red:connect("127.0.0.1", conf.redis_port)
    if not ok then return nil, err end
    return red
end

local function problem(status, slug, detail)
    ngx.status = status
    ngx.header["Content-Type"] = "application/problem+json"
    if status == 409 then ngx.header["Retry-After"] = "1" end
    ngx.print(cjson.encode({ type = "tag:peer,2026:" .. slug, title = slug, status = status, detail = detail }))
    return ngx.exit(status)
end

-- Answers from a stored record, or with 409/422; returns only when the
-- record is gone (expired or released since it was read).
local function answer_from(record_json, fingerprint)
    local record = cjson.decode(record_json)
    if not record then return problem(500, "record-corrupt", "the stored record does not decode") end
    if record.f ~= fingerprint then
        return problem(422, "idempotency-key-reused", "the key was used with a different request")
    end
    if record.p then
        return problem(409, "request-in-flight", "a request with this key is in progress")
    end
    ngx.status = record.s
    for name, value in pairs(record.h) do ngx.header[name] = value end
    ngx.header["Idempotent-Replayed"] = "true"
    ngx.print(ngx.decode_base64(record.b))
    return ngx.exit(record.s)
end

local HOP_BY_HOP = { connection = true, ["keep-alive"] = true, ["transfer-encoding"] = true,
                     ["content-length"] = true, te = true, trailer = true, upgrade = true }

function _M.handle(conf)
    local key = ngx.var.http_idempotency_key
    if not key or #key == 0 or #key > 255 then
        return problem(400, "missing-idempotency-key", "send an Idempotency-Key header")
    end
    ngx.req.read_body()
    local body = ngx.req.get_body_data() or ""
    local method = ngx.req.get_method()
    local fingerprint = hash(method .. "\n" .. ngx.var.uri .. "\n" .. (ngx.var.args or "") .. "\n" .. body)
    local store_key = "peer:" .. conf.route .. ":" .. hash(key)

    local red, err = connect(conf)
    if not red then return problem(503, "store-unavailable", err) end

    local existing = red:get(store_key)
    if existing and existing ~= ngx.null then
        red:set_keepalive(10000, 256)
        return answer_from(existing, fingerprint)
    end
    local claimed = red:set(store_key, cjson.encode({ p = true, f = fingerprint }), "NX", "PX", conf.lock_ms)
    if claimed == ngx.null or not claimed then
        -- Lost the race to another request with the same key.
        existing = red:get(store_key)
        red:set_keepalive(10000, 256)
        if existing and existing ~= ngx.null then return answer_from(existing, fingerprint) end
        return problem(409, "request-in-flight", "a request with this key is in progress")
    end
    red:set_keepalive(10000, 256)

    local res = ngx.location.capture("/__origin" .. ngx.var.uri, {
        method = ngx["HTTP_" .. method], body = body, args = ngx.var.args, always_forward_body = true,
    })

    red, err = connect(conf)
    if res.status >= 500 or res.truncated then
        if red then red:del(store_key) end
    elseif red then
        local headers = {}
        for name, value in pairs(res.header) do
            if not HOP_BY_HOP[string.lower(name)] then headers[name] = value end
        end
        red:set(store_key, cjson.encode({ f = fingerprint, s = res.status, h = headers,
                                          b = ngx.encode_base64(res.body) }), "EX", conf.ttl_s)
    end
    if red then red:set_keepalive(10000, 256) end

    ngx.status = res.status
    for name, value in pairs(res.header) do
        if not HOP_BY_HOP[string.lower(name)] then ngx.header[name] = value end
    end
    ngx.print(res.body)
    return ngx.exit(res.status)
end

return _M
