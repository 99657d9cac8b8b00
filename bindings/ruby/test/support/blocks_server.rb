# frozen_string_literal: true

require "json"
require_relative "loopback_server"

# A loopback server emulating the part of a Prefect 3 server's REST API that Prefect's
# Secret.load(name) uses: GET <api>/block_types/slug/secret/block_documents/name/<name>
# ?include_secrets=true answers 200 with the block document, whose data.value is the
# secret; 404 for an unknown block; and a refusal (401 unless told otherwise) when the
# Authorization header is not the one required. A batch get's requests too: POST
# <api>/block_documents/filter answers the list of the block documents of the names in
# the body's block_documents.name.any_ (those it has), and GET <api>/csrf-token?client=...
# answers as a server with CSRF protection off (422 "CSRF protection is disabled.").
# Any other request gets 400.
#
# Each request is logged as {"method", "uri" (path and query as sent), "authorization"
# (nil when absent)}.
class BlocksServer < LoopbackServer
  PREFIX = "/api/block_types/slug/secret/block_documents/name/"
  FILTER = "/api/block_documents/filter"
  CSRF_TOKEN = "/api/csrf-token"

  # values: block name => its value (anything JSON.generate takes; nil is JSON null).
  def initialize(values = {})
    @values = values.dup
    @raw = {}
    @auth = nil
    @refusal = 401
    super()
  end

  # The block name now holds value.
  def []=(name, value)
    @lock.synchronize { @values[name] = value }
  end

  # A get of the block name is answered 200 with this body instead of a block document.
  def raw(name, body)
    @lock.synchronize { @raw[name] = body }
  end

  # Only this Authorization header is accepted (nil: any, or none); others get status.
  def require_auth(header, status = 401)
    @lock.synchronize { @auth, @refusal = header, status }
  end

  private

  def reply_for(request)
    uri = request[:path]
    authorization = request[:headers]["authorization"]
    @log << { "method" => request[:method], "uri" => uri, "authorization" => authorization }
    return reply(@refusal, { "detail" => "Unauthorized" }) if @auth && authorization != @auth

    path, query = uri.split("?", 2)
    if request[:method] == "GET" && path == CSRF_TOKEN && query.to_s.start_with?("client=")
      return reply(422, { "detail" => "CSRF protection is disabled." })
    end
    return filter(request[:body]) if request[:method] == "POST" && path == FILTER

    unless request[:method] == "GET" && path.start_with?(PREFIX) && query == "include_secrets=true"
      return reply(400, { "detail" => "not a Secret block request" })
    end

    name = unescape(path.delete_prefix(PREFIX))
    return { "status" => 200, "raw" => @raw[name] } if @raw.key?(name)
    return reply(404, { "detail" => "Block document not found" }) unless @values.key?(name)

    reply(200, document(name))
  end

  # The documents of the names a filter's JSON body asks for (block_documents.name.any_).
  def filter(body)
    names = JSON.parse(body).dig("block_documents", "name", "any_")
    return reply(422, { "detail" => "no block_documents.name.any_" }) unless names.is_a?(Array)

    reply(200, names.select { |name| @values.key?(name) }.map { |name| document(name) })
  rescue JSON::ParserError
    reply(422, { "detail" => "the body is not JSON" })
  end

  def document(name)
    { "id" => "6f1a2b3c-0000-4000-8000-000000000001", "name" => name,
      "data" => { "value" => @values[name] },
      "block_schema_id" => "6f1a2b3c-0000-4000-8000-000000000002",
      "block_type_id" => "6f1a2b3c-0000-4000-8000-000000000003",
      "block_type_name" => "Secret", "is_anonymous" => false,
      "block_document_references" => {} }
  end

  def reply(status, body)
    { "status" => status, "body" => body }
  end

  # Percent-decoding of one path segment ("+" stays a plus).
  def unescape(segment)
    segment.b.gsub(/%(\h\h)/) { Regexp.last_match(1).hex.chr }.force_encoding(Encoding::UTF_8)
  end
end
