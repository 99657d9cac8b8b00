# frozen_string_literal: true

require "json"
require "socket"

# A tiny scripted HTTP/1.1 server on 127.0.0.1 for the tests (Ruby 3.1 has no WEBrick):
# one request per connection, answered with `Connection: close`.
#
# It answers `responses` in order (each {"status" => N, "body" => json} or
# {"status" => N, "raw" => "text"}), paths ending in /refresh_token with `refresh`, and
# HTTP 500 with an empty body once the responses run out. Each request is logged as
# {"method", "path" (trailing / removed), "authorization" (nil when absent),
# "variables" (the JSON body's "variables", itself JSON text, decoded)}.
class LoopbackServer
  DEFAULT_REFRESH = { "status" => 200, "body" => { "token" => "refreshed-token" } }.freeze
  REASONS = { 200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden",
              404 => "Not Found", 422 => "Unprocessable Entity", 500 => "Internal Server Error" }.freeze

  attr_reader :url

  # delay: seconds to wait before answering each request.
  def initialize(responses: [], refresh: nil, delay: 0)
    @responses = responses.dup
    @refresh = refresh || DEFAULT_REFRESH
    @delay = delay
    @log = []
    @lock = Mutex.new
    @server = TCPServer.new("127.0.0.1", 0)
    @url = "http://127.0.0.1:#{@server.addr[1]}"
    @clients = []
    @thread = Thread.new { accept_loop }
  end

  # The requests logged so far.
  def log
    @lock.synchronize { @log.dup }
  end

  def close
    @server.close unless @server.closed?
    @thread.join(5)
    @lock.synchronize { @clients.dup }.each { |t| t.join(5) }
  end

  private

  def accept_loop
    loop do
      client = @server.accept
      @lock.synchronize { @clients << Thread.new { handle(client) } }
    end
  rescue IOError, SystemCallError
    nil # closed
  end

  def handle(client)
    request = read_request(client)
    return if request.nil?

    spec = @lock.synchronize { reply_for(request) }
    sleep(@delay) if @delay.positive?
    respond(client, spec)
  rescue IOError, SystemCallError
    nil
  ensure
    client.close unless client.closed?
  end

  # Logs a request and picks its reply ({"status", "body" or "raw"}); called under @lock.
  def reply_for(request)
    @log << entry(request)
    if request[:path].sub(%r{/+\z}, "").end_with?("/refresh_token")
      @refresh
    else
      @responses.shift || { "status" => 500, "raw" => "" }
    end
  end

  def read_request(client)
    line = client.gets("\r\n") or return nil
    method, path, = line.split(" ", 3)
    path = "/#{path.sub(%r{\A/+}, '')}" if path.start_with?("//") # as Python's http.server does
    headers = {}
    while (header = client.gets("\r\n")) && header != "\r\n"
      key, value = header.split(":", 2)
      # Like Python's header parsing: leading blanks go, trailing ones stay.
      headers[key.strip.downcase] = value.to_s.chomp("\r\n").sub(/\A[ \t]+/, "")
    end
    length = headers["content-length"].to_i
    body = length.positive? ? client.read(length) : +""
    { method: method, path: path, headers: headers, body: body }
  end

  def entry(request)
    body = begin
      JSON.parse(request[:body].empty? ? "null" : request[:body])
    rescue JSON::ParserError
      { "unparsed" => request[:body] }
    end
    variables = body.is_a?(Hash) ? body["variables"] : nil
    if variables.is_a?(String)
      variables = begin
        JSON.parse(variables)
      rescue JSON::ParserError
        variables
      end
    end
    { "method" => request[:method], "path" => request[:path].sub(%r{/+\z}, ""),
      "authorization" => request[:headers]["authorization"], "variables" => variables }
  end

  def respond(client, spec)
    status = spec.fetch("status", 200)
    payload = if spec.key?("raw")
                spec["raw"].to_s.b
              else
                JSON.generate(spec["body"], allow_nan: true, ascii_only: true).b
              end
    head = "HTTP/1.1 #{status} #{REASONS.fetch(status, 'Status')}\r\n" \
           "Content-Type: application/json\r\n" \
           "Content-Length: #{payload.bytesize}\r\n" \
           "Connection: close\r\n\r\n"
    client.write(head.b + payload)
  end
end
