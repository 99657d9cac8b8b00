# frozen_string_literal: true

require "json"
require "strscan"

module PrefectSecrets
  # Turns the JSON that secret_get_json writes (Python's json.dumps: ASCII only,
  # NaN/Infinity allowed) into the Ruby value Python holds.
  #
  # Two things JSON.parse (json 2.6) cannot do alone are handled here:
  # - Lone surrogates. Python strings may hold them ("\ud800"); JSON.parse rejects a lone
  #   high surrogate and silently merges "\ud800\u0041" into a wrong character. Such
  #   strings come back as binary Strings holding the surrogate's 3-byte form (WTF-8),
  #   exactly the bytes secret_get writes for them.
  # - Deep nesting. JSON.parse recurses on the machine stack, and the library accepts
  #   values nested 10,000 levels deep; texts nested more than DEEP levels are parsed by
  #   an iterative parser here instead (scalars still go through JSON.parse).
  module ValueDecoder
    UTF_8 = Encoding::UTF_8
    BINARY = Encoding::BINARY
    # JSON.parse handles this much nesting even on a small thread or fiber stack.
    DEEP = 256
    PARSE_OPTIONS = { allow_nan: true, max_nesting: false, create_additions: false }.freeze

    # A surrogate escape, paired or not, or any other escape (so that "\\ud800", an
    # escaped backslash followed by text, is not mistaken for one).
    ESCAPE = /\\u([dD][89abAB]\h\h)\\u([dD][c-fC-F]\h\h)|\\u([dD][89a-fA-F]\h\h)|\\./.freeze
    # Inside the rewritten text: MARK MARK is a real U+10FFFF, MARK c a lone surrogate
    # (c = U+E000 + (surrogate - 0xD800)).
    MARK = "\u{10FFFF}"
    MARK_ESCAPE = "\\udbff\\udfff"

    module_function

    # The Ruby value of a JSON text written by secret_get_json.
    def decode(text)
      text = text.dup.force_encoding(UTF_8)
      marked = mark_lone_surrogates(text)
      return parse(text) unless marked

      unmark(parse(marked))
    end

    # text with each lone surrogate escape replaced by MARK_ESCAPE + a private-use escape
    # (and each real U+10FFFF doubled), or nil when text has no lone surrogate.
    def mark_lone_surrogates(text)
      return nil unless text.match?(/\\u[dD][89a-fA-F]/)

      lone = false
      marked = text.gsub(ESCAPE) do
        m = Regexp.last_match
        if m[3]
          lone = true
          format("%<mark>s\\u%<c>04x", mark: MARK_ESCAPE, c: 0xE000 + m[3].hex - 0xD800)
        elsif m[1] && m[1].casecmp?("dbff") && m[2].casecmp?("dfff")
          MARK_ESCAPE * 2
        else
          m[0]
        end
      end
      lone ? marked : nil
    end

    # Restores the lone surrogates in every string (keys too) of a parsed value,
    # iteratively, since the value may be deeply nested.
    def unmark(value)
      return unmark_string(value) if value.is_a?(String)

      stack = [value]
      while (container = stack.pop)
        if container.is_a?(Array)
          container.each_with_index do |item, i|
            if item.is_a?(String)
              container[i] = unmark_string(item)
            elsif item.is_a?(Array) || item.is_a?(Hash)
              stack << item
            end
          end
        else
          pairs = container.to_a
          container.clear
          pairs.each do |key, item|
            if item.is_a?(String)
              item = unmark_string(item)
            elsif item.is_a?(Array) || item.is_a?(Hash)
              stack << item
            end
            container[unmark_string(key)] = item
          end
        end
      end
      value
    end

    def unmark_string(str)
      return str unless str.include?(MARK)

      out = String.new(encoding: BINARY)
      chars = str.each_char.to_a
      i = 0
      while i < chars.size
        ch = chars[i]
        if ch == MARK
          nxt = chars[i + 1]
          out << (nxt == MARK ? MARK.b : wtf8(nxt.ord - 0xE000 + 0xD800))
          i += 2
        else
          out << ch.b
          i += 1
        end
      end
      out.force_encoding(UTF_8)
      out.valid_encoding? ? out : out.force_encoding(BINARY)
    end

    # The 3-byte (generalized UTF-8) form of a surrogate code point.
    def wtf8(code)
      [0xE0 | (code >> 12), 0x80 | ((code >> 6) & 0x3F), 0x80 | (code & 0x3F)].pack("C*")
    end

    def parse(text)
      if deeper_than?(text, DEEP)
        DeepParser.new(text).parse
      else
        JSON.parse(text, **PARSE_OPTIONS)
      end
    end

    # Whether arrays/objects in text nest more than limit levels.
    def deeper_than?(text, limit)
      return false if text.count("[{") <= limit

      scanner = StringScanner.new(text)
      depth = 0
      while scanner.skip_until(/["\[\]{}]/)
        case scanner.matched
        when '"' then scanner.skip(/(?:[^"\\]|\\.)*"/m)
        when "[", "{"
          depth += 1
          return true if depth > limit
        else depth -= 1
        end
      end
      false
    end

    # An iterative JSON parser for deeply nested texts: the structure is walked here with
    # an explicit stack, each string and number is handed to JSON.parse.
    class DeepParser
      WS = /[ \t\r\n]*/.freeze
      STRING = /"(?:[^"\\]|\\.)*"/m.freeze
      NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.freeze
      LITERALS = { "true" => true, "false" => false, "null" => nil, "NaN" => Float::NAN,
                   "Infinity" => Float::INFINITY, "-Infinity" => -Float::INFINITY }.freeze
      LITERAL = /-Infinity|Infinity|NaN|true|false|null/.freeze

      def initialize(text)
        @s = StringScanner.new(text)
      end

      def parse
        stack = [] # [container, key of the value being read (objects only)]
        loop do
          value = read_value(stack)
          next if value.equal?(OPENED)

          loop do
            if stack.empty?
              @s.skip(WS)
              fail_at("end of text") unless @s.eos?
              return value
            end
            frame = stack.last
            container = frame[0]
            if container.is_a?(Array)
              container << value
            else
              container[frame[1]] = value
            end
            @s.skip(WS)
            if @s.skip(/,/)
              frame[1] = read_key if container.is_a?(Hash)
              break
            end
            fail_at(container.is_a?(Array) ? "]" : "}") unless @s.skip(container.is_a?(Array) ? /\]/ : /\}/)
            stack.pop
            value = container
          end
        end
      end

      OPENED = Object.new.freeze
      private_constant :OPENED

      private

      # A complete value, or OPENED after pushing a non-empty array/object onto stack.
      def read_value(stack)
        @s.skip(WS)
        if @s.skip(/\[/)
          @s.skip(WS)
          return [] if @s.skip(/\]/)

          stack << [[], nil]
          OPENED
        elsif @s.skip(/\{/)
          @s.skip(WS)
          return {} if @s.skip(/\}/)

          stack << [{}, read_key(skip_ws: false)]
          OPENED
        elsif (token = @s.scan(STRING))
          JSON.parse(token, **PARSE_OPTIONS)
        elsif (token = @s.scan(LITERAL))
          LITERALS.fetch(token)
        elsif (token = @s.scan(NUMBER))
          JSON.parse(token, **PARSE_OPTIONS)
        else
          fail_at("a value")
        end
      end

      def read_key(skip_ws: true)
        @s.skip(WS) if skip_ws
        token = @s.scan(STRING) or fail_at("an object key")
        @s.skip(WS)
        @s.skip(/:/) or fail_at(":")
        JSON.parse(token, **PARSE_OPTIONS)
      end

      def fail_at(expected)
        raise JSON::ParserError, "expected #{expected} at offset #{@s.pos}"
      end
    end
  end
end
