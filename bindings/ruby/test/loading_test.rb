# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "rbconfig"

# Finding the native library. Loading happens once per process, so the end-to-end cases
# run in child processes.
class LoadingTest < Minitest::Test
  N = PrefectSecrets::Native
  LIB_DIR = File.expand_path("../lib", __dir__)
  DEV_LIB = File.expand_path("../../../target/release/#{N.library_file_name}", __dir__)

  def run_ruby(code, env)
    Open3.capture3(env, RbConfig.ruby, "-w", "-I", LIB_DIR, "-rprefect_secrets", "-e", code)
  end

  def test_explicit_path_is_the_only_candidate
    assert_equal [["/x/lib.so", "PREFECT_SECRETS_LIB"]], N.candidates("PREFECT_SECRETS_LIB" => "/x/lib.so")
  end

  def test_default_search_order
    list = N.candidates({})
    origins = list.map(&:last)
    expected = []
    expected << "this gem's own copy" if File.exist?(N.bundled_path)
    expected << "the repository's target/release" if File.exist?(DEV_LIB)
    expected += ["the system loader, by SONAME", "pkg-config's libdir", "the system loader, development name"]
    assert_equal expected, origins
    assert_includes list, ["libprefect_secrets.so.#{N::ABI_MAJOR}", "the system loader, by SONAME"]
    assert_equal origins, N.candidates("PREFECT_SECRETS_LIB" => "").map(&:last)
  end

  def test_pkg_config_candidate_uses_libdir
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "prefect_secrets.pc"),
                 "libdir=/opt/ps/lib\nName: prefect_secrets\nDescription: x\nVersion: 0\nLibs: -L${libdir}\n")
      assert_equal "/opt/ps/lib/libprefect_secrets.so.#{N::ABI_MAJOR}",
                   N.pkg_config_path("PKG_CONFIG_PATH" => dir, "PKG_CONFIG_LIBDIR" => dir)
    end
    path, why = N.pkg_config_path("PKG_CONFIG" => "/nonexistent/pkg-config")
    assert_nil path
    assert_includes why, "/nonexistent/pkg-config"
  end

  def test_failure_says_how_to_fix_it
    list = [[-> { [nil, "no pc file"] }, "pkg-config's libdir"], ["libprefect_secrets_missing.so.0", "the system loader, by SONAME"]]
    e = assert_raises(PrefectSecrets::LibraryLoadError) { N.load_library(list) }
    assert_includes e.message, "pkg-config's libdir: no pc file"
    assert_includes e.message, "libprefect_secrets_missing.so.0 (the system loader, by SONAME): "
    assert_includes e.message, "PREFECT_SECRETS_LIB"
    assert_includes e.message, "platform gem"
  end

  def test_library_path_is_the_file_loaded_by_name
    skip "no library built at #{DEV_LIB}" unless File.exist?(DEV_LIB)
    out, err, status = Open3.capture3({ "LD_LIBRARY_PATH" => File.dirname(DEV_LIB), "PREFECT_SECRETS_LIB" => nil },
                                      RbConfig.ruby, "-w", "-I", LIB_DIR, "-rprefect_secrets", "-e",
                                      "L = PrefectSecrets::Native; " \
                                      "print L.load_library([[L.library_file_name, 'by name']]).path")
    assert status.success?, err
    assert_equal DEV_LIB, out
  end

  def test_load_error_lists_what_was_tried
    not_a_library = __FILE__
    fiddle_so = $LOADED_FEATURES.grep(%r{/fiddle\.(so|bundle|dll)\z}).first
    list = [["/nonexistent/libprefect_secrets.so", "first"], [not_a_library, "second"],
            ["libprefect_secrets_missing.so", "third"]]
    list << [fiddle_so, "fourth"] if fiddle_so
    e = assert_raises(PrefectSecrets::LibraryLoadError) { N.load_library(list) }
    assert_kind_of LoadError, e
    assert_includes e.message, "/nonexistent/libprefect_secrets.so (first): no such file"
    assert_includes e.message, "#{not_a_library} (second): "
    assert_includes e.message, "libprefect_secrets_missing.so (third): "
    assert_includes e.message, "#{fiddle_so} (fourth): not a compatible prefect-secrets library" if fiddle_so
    assert_includes e.message, "PREFECT_SECRETS_LIB"
  end

  def test_prefect_secrets_lib_is_used
    skip "no library built at #{DEV_LIB}" unless File.exist?(DEV_LIB)
    copy_dir = Dir.mktmpdir
    copy = File.join(copy_dir, "renamed-#{N.library_file_name}")
    FileUtils.cp(DEV_LIB, copy)
    out, err, status = run_ruby("print PrefectSecrets.library_path, ' ', PrefectSecrets.version",
                                "PREFECT_SECRETS_LIB" => copy)
    assert status.success?, err
    assert_empty err
    assert_equal "#{copy} #{PrefectSecrets.version}", out
  ensure
    FileUtils.remove_entry(copy_dir) if copy_dir
  end

  def test_missing_explicit_library_fails_clearly
    out, err, status = run_ruby("begin; PrefectSecrets.version; rescue LoadError => e; print e.class, ': ', e.message; end",
                                "PREFECT_SECRETS_LIB" => "/nonexistent/libprefect_secrets.so")
    assert status.success?, err
    assert_match(/\APrefectSecrets::LibraryLoadError: could not load the prefect-secrets native library; tried:/, out)
    assert_includes out, "/nonexistent/libprefect_secrets.so (PREFECT_SECRETS_LIB): no such file"
    refute_includes out, "target/release" # no silent fallback to another library
  end

  def test_repository_build_is_found_without_the_variable
    skip "no library built at #{DEV_LIB}" unless File.exist?(DEV_LIB)
    out, err, status = run_ruby("print PrefectSecrets.library_path", { "PREFECT_SECRETS_LIB" => nil })
    assert status.success?, err
    assert_equal DEV_LIB, out
  end

  def test_requiring_does_not_load_the_library
    out, err, status = run_ruby("print PrefectSecrets::Native.instance_variable_get(:@library).inspect",
                                "PREFECT_SECRETS_LIB" => "/nonexistent/x.so")
    assert status.success?, err
    assert_equal "nil", out
  end
end
