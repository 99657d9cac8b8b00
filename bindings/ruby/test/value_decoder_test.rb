# frozen_string_literal: true

require_relative "test_helper"

# The JSON -> Ruby step on its own (no library calls).
class ValueDecoderTest < Minitest::Test
  include PythonValues

  D = PrefectSecrets::ValueDecoder

  def test_scalars_at_top_level
    assert_same_value "abc", D.decode('"abc"')
    assert_same_value 42, D.decode("42")
    assert_same_value 0, D.decode("-0")
    assert_same_value(-0.0, D.decode("-0.0"))
    assert_same_value 1e16, D.decode("1e+16")
    assert_same_value 123_456_789_012_345_678_901_234_567_890, D.decode("123456789012345678901234567890")
    assert_predicate D.decode("NaN"), :nan?
    assert_same_value(-Float::INFINITY, D.decode("-Infinity"))
    assert_same_value true, D.decode("true")
    assert_same_value "a\0b", D.decode('"a\\u0000b"')
  end

  def test_input_encoding_does_not_matter
    assert_equal "é", D.decode('"\\u00e9"'.b)
    assert_equal Encoding::UTF_8, D.decode('"\\u00e9"'.b).encoding
  end

  def test_surrogates
    assert_equal "😀", D.decode('"\\ud83d\\ude00"')
    assert_equal "\u{10FFFF}", D.decode('"\\uDBFF\\uDFFF"')
    assert_equal "\u{10FFFF}\xED\xA0\x80".b, D.decode('"\\udbff\\udfff\\ud800"')
    v = D.decode('"\\ud800\\ud83d\\ude00"')
    assert_equal Encoding::BINARY, v.encoding
    assert_equal "\xED\xA0\x80😀".b, v
    assert_equal "\xED\xB8\x80\xED\xA0\xBD".b, D.decode('"\\ude00\\ud83d"')
    # An escaped backslash followed by "ud800" is text, not an escape.
    assert_equal "\\ud800", D.decode('"\\\\ud800"')
    assert_equal "\\\xED\xA0\x80".b, D.decode('"\\\\\\ud800"')
  end

  def test_deep_nesting_uses_the_iterative_parser
    text = ('{"k": [' * 5000) + '"v", 1.5, -0.0, NaN, {}, [], null' + (']}' * 5000)
    assert D.deeper_than?(text, D::DEEP)
    value = Thread.new { D.decode(text) }.value
    4999.times { value = value.fetch("k").fetch(0) }
    value = value.fetch("k")
    assert_equal 7, value.size
    assert_same_value ["v", 1.5, -0.0, Float::NAN, {}, [], nil], value
  end

  def test_iterative_parser_agrees_with_json_parse
    texts = [
      '[1, -2, 3.5, 1e+16, -0.0, 123456789012345678901234567890, "a\\"b", "[{", true, false, null]',
      '{"a": {"b": [{"c": "d"}, []]}, "e": {}, "": ""}',
      ' [ 1 , { "x" : [ ] } ] ',
      '"top"', "7", "NaN", "[Infinity, -Infinity]"
    ]
    texts.each do |t|
      assert_same_value JSON.parse(t, allow_nan: true), D::DeepParser.new(t).parse
    end
    ["[1,", "[1 2]", '{"a" 1}', "{1: 2}", "[1]]", "tru"].each do |bad|
      assert_raises(JSON::ParserError, bad) { D::DeepParser.new(bad).parse }
    end
  end

  def test_depth_check_skips_strings
    refute D.deeper_than?('"' + ("[" * 1000) + '"', 10)
    assert D.deeper_than?("[[[[", 3)
    refute D.deeper_than?("[[[]]]", 3)
  end
end
