%% The re module: zvm's own regular-expression engine and re BIFs against stock erl's PCRE.
%% Every case runs on both VMs (tests/suites/30-vm-corpus.sh) and the printed results must be
%% equal. Patterns and subjects are generated here: a table of patterns crossed with a table of
%% subjects, every option, every kind of capture, replace/split with their options, unicode,
%% compile errors, a catastrophic pattern, and a few thousand pseudo-random patterns (a fixed
%% LCG, so both VMs draw the same ones).
-module(t_re).
-export([t_cross/0, t_cross_caseless/0, t_cross_multiline/0, t_cross_dotall/0,
         t_cross_extended/0, t_cross_ungreedy/0, t_classes/0, t_escapes/0, t_anchors/0,
         t_quantifiers/0, t_groups/0, t_backrefs/0, t_lookaround/0, t_atomic/0,
         t_conditionals/0, t_inline_options/0, t_newlines/0, t_capture_kinds/0,
         t_capture_names/0, t_global/0, t_global_empty/0, t_run_options/0, t_compile/0,
         t_compile_errors/0, t_run_errors/0, t_badarg/0, t_replace/0, t_split/0,
         t_unicode/0, t_unicode_caseless/0, t_ucp/0, t_catastrophic/0, t_match_limit/0,
         t_iodata/0, t_long_subject/0, t_random/0, t_random_unicode/0, t_inspect_version/0]).

t(F) ->
    try F() of
        V -> V
    catch
        C:R -> {C, R}
    end.

run(S, P) -> t(fun() -> re:run(S, P) end).
run(S, P, O) -> t(fun() -> re:run(S, P, O) end).

%% --- patterns x subjects -------------------------------------------------------------------

patterns() ->
    ["a", "abc", "a|b", "ab|cd|e", "a*", "a+", "a?", "a*?", "a+?", "a??", "a{2}", "a{2,}",
     "a{1,3}", "a{0,2}?", "a{2,}?", "a*+", "a++b", "(a)", "(a)(b)?", "(a|b)*", "(a|b)+c",
     "(?:ab)+", "(a*)*", "(a*)+", "(a|)+", "(a?)*?b", "^a", "a$", "^$", "^", "$", ".", ".*",
     ".+", "a.c", "a.*c", "a.*?c", "[abc]", "[^abc]", "[a-c]+", "[^a-c]*", "[]a]", "[^]a]",
     "[a-]", "[-a]", "\\d+", "\\D+", "\\w+", "\\W+", "\\s+", "\\S+", "\\bab", "ab\\b",
     "\\Bb", "\\Ab", "c\\z", "c\\Z", "(a)\\1", "(a|b)\\1", "(?<n>.)\\k<n>", "x(?=c)", "b(?!c)",
     "(?<=a)b", "(?<!a)b", "(?<=ab|x)c", "(?>a+)b", "(?>a|ab)c", "(a+|b+)*c", "((a)|(b))+",
     "(a)|(b)", "(a)?(b)?(c)?", "(?:(a)|b)*", "a(?#comment)b", "\\x61", "\\x{62}", "\\141",
     "\\Qa.c\\E", "a\\.c", "[.]", "\\.", "(?i)ABC", "a(?i)bc", "a(?i:b)c", "(?s).", "(?m)^b",
     "[[:alpha:]]+", "[[:digit:][:space:]]+", "[[:^alpha:]]", "[[:punct:]]", "[\\d.]+",
     "\\h", "\\v", "\\R", "a\\Kb", "(?|(a)|(b))", "(?(1)b|c)", "(a)?(?(1)b|c)",
     "(?<x>a)?(?(<x>)b|c)", "c|b|a", "(c)|(b)|(a)", "a{,2}", "x{2", "[a-c&&b]", "(*FAIL)|a",
     "a(*F)|b", "\\", "(?=a)*a", "a{3}|a{2}|a"].

subjects() ->
    ["", "a", "b", "c", "ab", "abc", "aab", "aaab", "abcabc", "xabcx", "ba", "cba", "a.c",
     "a c", "a\nb", "a\nb\n", "\nab\n", "AbC", "123", "ab12 cd_3!", "  x  ", "bb", "abab",
     "xyz", "a\r\nb", "[]-"].

cross(Opts) ->
    [{P, [run(S, P, Opts) || S <- subjects()]} || P <- patterns()].

t_cross() -> cross([]).
t_cross_caseless() -> cross([caseless]).
t_cross_multiline() -> cross([multiline]).
t_cross_dotall() -> cross([dotall]).
t_cross_extended() -> cross([extended, {capture, all, binary}]).
t_cross_ungreedy() -> cross([ungreedy, {capture, all, list}]).

%% --- syntax --------------------------------------------------------------------------------

cases(Cases) -> [{P, S, O, run(S, P, O)} || {P, S, O} <- Cases].
cases2(Pairs) -> [{P, S, run(S, P)} || {P, S} <- Pairs].

t_classes() ->
    Ps = ["[a-z]+", "[A-Z0-9_]+", "[^\\s]+", "[\\w-]+", "[\\x41-\\x43]+", "[\\101-\\103]",
          "[a\\]b]+", "[\\\\]", "[\\^a]", "[a^]", "[[:upper:]]", "[[:lower:]]+", "[[:alnum:]]+",
          "[[:xdigit:]]+", "[[:blank:]]", "[[:cntrl:]]", "[[:graph:]]+", "[[:print:]]+",
          "[[:word:]]+", "[[:ascii:]]+", "[[:space:]]+", "[\\D\\S]", "[^\\W]+", "[\\d-z]+",
          "[\\n\\t]", "[\\Qa-c\\E]+", "[%--]+", "[\\b]", "[^a-zA-Z]+", "\\p{L}+", "\\p{Lu}",
          "\\P{L}+", "\\p{N}+", "\\pL+", "\\p{^N}+"],
    Ss = ["Hello World_42", "a-b-c", "x]y\\z^", "\t\n\b", "ABCabc", "0x1F", "%+,-", "é"],
    [{P, [run(S, P) || S <- Ss]} || P <- Ps].

t_escapes() ->
    cases2([{"\\t", "a\tb"}, {"\\n", "a\nb"}, {"\\r", "\r"}, {"\\f", "\f"}, {"\\e", [27]},
            {"\\a", [7]}, {"\\cA", [1]}, {"\\cz", [26]}, {"\\0", [0]}, {"\\012", "\n"},
            {"\\x", [0]}, {"\\x4", [4]}, {"\\x{41}", "A"}, {"\\o{101}", "A"}, {"\\8", "8"},
            {"\\y", "y"}, {"\\$", "$"}, {"\\*", "*"}, {"\\Q*+\\E+", "*++"}, {"a\\E", "a"},
            {"\\N+", "ab\ncd"}, {"\\C", "x"}, {"\\x{", "\0{"}, {"\\x{4", [4]}, {"\\x{}", "x"}, {"\\o", "o"}, {"\\o{8}", "x"},
            {"(*)", "x"}, {"(*a)", "x"}, {"(*FAIL", "x"}, {"(?(1)a|b|c)(a)", "a"}, {"(?(2)a|b)(a)", "a"}]).

t_anchors() ->
    Ps = ["^a", "a$", "^a$", "\\Aa", "a\\z", "a\\Z", "\\Ga", "(?m)^a", "(?m)a$", "(?m)^$",
          "$", "(?m)$", "\\b", "\\B", "\\ba\\b", "^", "\\z", "\\Z"],
    Ss = ["a", "a\n", "b\na", "a\nb", "\n", "", "ba", "a a", "\n\n"],
    [{P, [{run(S, P), run(S, P, [global]), run(S, P, [notbol]), run(S, P, [noteol]),
           run(S, P, [{offset, min(1, length(S))}])}
          || S <- Ss]}
     || P <- Ps].

t_quantifiers() ->
    Ps = ["a{0}", "a{1}", "a{2,3}", "a{2,3}?", "a{2,3}+", "(ab){2}", "(ab){1,2}?", "(a|bc){2,}",
          "[ab]{3}", ".{2,}?b", "(?:a{2})*", "a{0,}", "(a{2})+", "(a?){3}", "(?:a|b)*?b",
          "a*a*a*b", "(a+)(a+)", "(a*?)(a*)", "(a+?)(a+?)", "x*y*", "(x|y)*?z"],
    Ss = ["", "a", "aa", "aaa", "aaaa", "abab", "bcbca", "aabab", "xyxyz", "abb"],
    [{P, [run(S, P) || S <- Ss]} || P <- Ps].

t_groups() ->
    cases2([{"((a)(b))", "ab"}, {"(a(b(c)))", "abc"}, {"(?:a(b))", "ab"}, {"(a)|b", "b"},
            {"(a)?b", "b"}, {"(a)*", "aaa"}, {"(a|b)*", "abba"}, {"((a)|(b))*", "ab"},
            {"(?<first>a)(?P<second>b)(?'third'c)", "abc"}, {"(a)(?:b)(c)", "abc"},
            {"()", "x"}, {"(()|a)+", "aa"}, {"(a|ab)(c|bcd)(d*)", "abcd"},
            {"(?|(a)(b)|(c))", "c"}, {"(?|(a)|(b)(c))d", "bcd"}]).

t_backrefs() ->
    cases2([{"(a)\\1", "aa"}, {"(a)\\1", "ab"}, {"(a+)\\1", "aaaa"}, {"(a)(b)\\2\\1", "abba"},
            {"(?i)(a)\\1", "aA"}, {"(a)\\g1", "aa"}, {"(a)\\g{1}", "aa"}, {"(a)\\g{-1}", "aa"},
            {"(?<x>b)\\k{x}", "bb"}, {"(?<x>b)\\k'x'", "bb"}, {"(?P<x>b)(?P=x)", "bb"},
            {"(a)?\\1", "b"}, {"(a|b)\\1+", "abbb"}, {"(\\w+)\\s\\1", "the the"},
            {"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10", "abcdefghijj"}, {"(a)\\10", "a\b"}]).

t_lookaround() ->
    cases2([{"a(?=b)", "ab"}, {"a(?=b)", "ac"}, {"a(?!b)", "ab"}, {"a(?!b)", "ac"},
            {"(?<=a)b", "ab"}, {"(?<=a)b", "cb"}, {"(?<!a)b", "ab"}, {"(?<!a)b", "cb"},
            {"(?<=ab|c)d", "abd"}, {"(?<=ab|c)d", "cd"}, {"(?<!ab|c)d", "xd"},
            {"(?<=a(b))c", "abc"}, {"(?=(a))a", "a"}, {"(?!(a))b", "b"}, {"^(?=.*\\d).+$", "ab1"},
            {"^(?=.*\\d).+$", "abc"}, {"(?<=\\d{3})x", "123x"}, {"\\w+(?=,)", "foo,bar"},
            {"(?<=^|,)\\w+", "a,bc"}, {"(?=a)", "ba"}, {"(?<=é)x", "éx"}]).

t_atomic() ->
    cases2([{"(?>a+)b", "aaab"}, {"(?>a+)a", "aaa"}, {"(?>a|ab)c", "abc"}, {"a++a", "aa"},
            {"a*+b", "aab"}, {"a?+a", "a"}, {"(ab)++c", "ababc"}, {"(?>(a+))b", "aab"},
            {"[ab]*+b", "aab"}, {"(?>x(y)|x)z", "xz"}]).

t_conditionals() ->
    cases2([{"(a)?(?(1)b|c)", "ab"}, {"(a)?(?(1)b|c)", "c"}, {"(a)?(?(1)b)", "x"},
            {"(?<n>a)?(?(<n>)b|c)", "ab"}, {"(?<n>a)?(?('n')b|c)", "c"},
            {"(?(?=a)ab|cd)", "ab"}, {"(?(?=a)ab|cd)", "cd"}, {"(?(?!a)cd|ab)", "cd"},
            {"^(\\()?\\d+(?(1)\\))$", "(12)"}, {"^(\\()?\\d+(?(1)\\))$", "(12"}]).

t_inline_options() ->
    cases2([{"(?i)a", "A"}, {"a(?i)b", "aB"}, {"a(?i)b", "AB"}, {"(?i:a)b", "Ab"},
            {"(?i:a)b", "AB"}, {"(a(?i)b)c", "aBc"}, {"(a(?i)b)c", "aBC"}, {"(?i)a|b", "B"},
            {"(?-i)a", "A"}, {"(?i)(?-i)a", "A"}, {"(?s).", "\n"}, {"(?m)a$", "a\nb"},
            {"(?x)a b c", "abc"}, {"(?x)a#x\nb", "ab"}, {"(?U)a+", "aaa"}, {"(?U)a+?", "aaa"},
            {"(?J)(?<n>a)|(?<n>b)", "b"}, {"(?im)^B", "a\nb"}, {"(?i-s:.)", "\n"},
            {"(?x)[ ]", " "}, {"(?x)a\\ b", "a b"}]).

t_newlines() ->
    Ss = ["a\nb", "a\rb", "a\r\nb", "a\r\n", "a\n", "a\r", "\r\n", "a\x{85}b"],
    Os = [[], [{newline, cr}], [{newline, lf}], [{newline, crlf}], [{newline, anycrlf}],
          [{newline, any}]],
    [{O, [{run(S, "a$", [multiline | O]), run(S, "^b", [multiline | O]), run(S, ".+", O),
           run(S, "\\R", O), run(S, "a$", O), run(S, "", [global | O]),
           run(S, "(*CR)a$", [multiline]), run(S, "\\R", [bsr_anycrlf | O])}
          || S <- Ss]}
     || O <- Os].

%% --- captures ------------------------------------------------------------------------------

t_capture_kinds() ->
    P = "(?<a>x)?(?<b>y)(z)?",
    S = "__yz",
    Vs = [all, all_but_first, first, none, all_names, [], [0], [1, 2, 3], [3, 2, 1, 0],
          [4], ["a"], [a], [<<"b">>], ["nope"], [b, a, 1], ["b" | "a"]],
    Ts = [index, list, binary],
    [{V, T, run(S, P, [{capture, V, T}]), run(S, P, [{capture, V}]),
      run(S, P, [global, {capture, V, T}]), run("yyz", P, [global, {capture, V, T}])}
     || V <- Vs, T <- Ts].

t_capture_names() ->
    [run("ab", "(?<x>a)(?<y>b)", [{capture, all_names}]),
     run("ab", "(?<y>a)(?<x>b)", [{capture, all_names, list}]),
     run("ab", "(a)(b)", [{capture, all_names}]),
     run("b", "(?<n>a)|(?<n>b)", [dupnames, {capture, [n], binary}]),
     run("a", "(?<n>a)|(?<n>b)", [dupnames, {capture, all_names}]),
     run("b", "(?<n>a)|(?<n>b)", [dupnames, {capture, all_names, list}]),
     run("b", "(?J)(?<n>a)|(?<n>b)", [{capture, [n]}]),
     run("ab", "(?<x>a)(?<y>b)", [{capture, [y, x]}, {capture, [x]}]),
     run("ab", "(?<x>a)(?<y>b)", [global, {capture, all, binary}, {capture, first}]),
     run("ab", "(?<x>a)(?<y>b)", [{capture, all, binary}, {capture, first}])].

t_global() ->
    cases([{"a", "banana", [global]}, {"an", "banana", [global, {capture, all, binary}]},
           {"(a)(n)?", "banana", [global]}, {"(a)(n)?", "banana", [global, {capture, all_but_first, list}]},
           {"[aeiou]", "education", [global, {capture, first, list}]},
           {"x", "banana", [global]}, {"", "abc", [global]}, {"a*", "baaac", [global]},
           {"\\b", "ab cd", [global]}, {"(?=c)", "abc", [global]}, {"X|(?=b)", "aXbX", [global]},
           {"a|", "bab", [global]}, {"", "é", [global, unicode]}, {"", "é", [global]},
           {"", "a\r\nb", [global, {newline, crlf}]}, {"", "a\r\nb", [global]},
           {"\\d+", "a1b22c333", [global, {offset, 3}]}, {"a", "aaa", [global, {offset, 3}]},
           {"a", "aaa", [global, {offset, 4}]}, {"b", "abab", [global, anchored]},
           {"a", "aaa", [global, notempty]}, {"a?", "aba", [global, notempty]},
           {"(a)|b", "ab", [global, {capture, [1]}]}, {"a", "aa", [global, {capture, none}]},
           {".", "ab", [global, {capture, [], list}]}, {"(?<n>.)", "ab", [global, {capture, all_names}]},
           {".", "ab", [global, {capture, all_names}]}, {"a", "xyz", [global, {capture, none}]},
           {"\\w+", <<"one two">>, [global, {capture, first, binary}]},
           {"a", "aaa", [{offset, 1}, global, {offset, 2}]}]).

t_global_empty() ->
    [run(S, P, [global]) || P <- ["", "x*", "a?", "\\b", "$", "^", "(?=a)", "a*?", "(a|)"],
                            S <- ["", "a", "ab", "ba", "aa b"]].

t_run_options() ->
    [run("abc", "b", [anchored]), run("abc", "a", [anchored]), run("abc", "b", [{offset, 1}, anchored]),
     run("abc", "^b", [{offset, 1}]), run("abc", "\\Gb", [{offset, 1}]), run("", "a*", [notempty]),
     run("baa", "a*", [notempty]), run("aa", "a*?", [notempty_atstart]),
     run("aa", "a*?", [notempty_atstart, {offset, 1}]), run("ab", "^a", [notbol]),
     run("ab", "b$", [noteol]), run("a\nb", "(?m)^b", [notbol]), run("abc", "B", [caseless]),
     run("a\nb", "a.b", [dotall]), run("a b", "a b", [extended]), run("aaa", "a+", [ungreedy]),
     run("a\nb", "^b", [multiline]), run("ab\n", "b$", [dollar_endonly]), run("ab", "b$", [dollar_endonly]),
     run("a\nba", "a", [firstline, {offset, 1}]), run("x\nab", "a", [firstline]),
     run("ab", "(a)(b)", [no_auto_capture]), run("ab", "(?<n>a)(b)", [no_auto_capture]),
     run("ab", "b", [no_start_optimize]), run("ab", "b", [never_utf]), run("ab", "b", [{match_limit, 100}]),
     run("ab", "b", [{match_limit_recursion, 100}]), run("ab", "b", [report_errors]),
     run("ab", "b", [bsr_unicode]), run("ab", "b", [ucp]), run("ab", "b", [{newline, any}])].

%% --- compile, errors -----------------------------------------------------------------------

strip_mp({ok, {re_pattern, N, U, C, B}}) when is_binary(B) -> {ok, N, U, C};
strip_mp(Other) -> Other.

t_compile() ->
    Ps = ["a", "(a)(b)", "(?<n>a)", "(a)|(b)(c)", "(?:a)", "(?|(a)|(b)(c))", "a(?# x )b"],
    Os = [[], [unicode], [{newline, crlf}], [{newline, anycrlf}], [{newline, any}],
          [{newline, cr}], [caseless, multiline], [no_auto_capture], [anchored]],
    {[{P, O, strip_mp(t(fun() -> re:compile(P, O) end))} || P <- Ps, O <- Os],
     [strip_mp(t(fun() -> re:compile(<<"(*CRLF)a">>) end)),
      strip_mp(t(fun() -> re:compile([$a, <<"b">>, [$c]]) end)),
      begin
          {ok, MP} = re:compile("(a)(?<x>b)"),
          [re:run("ab", MP), re:run("ab", MP, [{capture, all, list}]),
           re:run("xab", MP, [global]), re:split("1ab2", MP), re:replace("ab", MP, "\\2\\1"),
           t(fun() -> re:run("ab", MP, [caseless]) end)]
      end,
      begin
          {ok, UMP} = re:compile("é+", [unicode]),
          [re:run("éé", UMP), re:run(<<"ééx"/utf8>>, UMP, [{capture, all, list}]),
           re:run(<<"xé"/utf8>>, UMP, [global, {capture, all, binary}])]
      end]}.

t_compile_errors() ->
    Ps = ["(", ")", "*", "a**", "[a", "\\", "a{2,1}", "a{99999}", "(?<n>a)(?<n>b)", "\\2",
          "(?<=a+)b", "[[:foo:]]", "[:alpha:]", "(?z)", "[z-a]", "\\k<x>", "(?P<1a>x)",
          "(?#abc", "\\c", "(?<n", "(?", "a|*", "(*)", "+", "?", "{3}", "\\p{Foo}", "(?i",
          "(?:", "((a)", "\\g", "\\g{0}", "^*", "$+", "\\b*", "a{2}{3}", "a*?+", "a++?", "\\L",
          "[a-\\d]", "(?<=ab(c|de))x", "(?(1)a|b|c)", "[]", "[^]", "(*FOO)a", "\\g{-1}",
          "(a)\\g{-2}", "\\x{100}", "\\o{400}", "\\400", "[[.a.]]", "[[=a=]]", "a{65536}",
          "(?<=\\d+)", "(?<=x\\R)", "(?P=n)", "a)", "(a))", "(?<", "(?P", "[a-z", "a\\",
          "(?<=a|b+)c", "x{1,2}{3}", "((((((((((a)))))))))))"],
    [{P, t(fun() -> re:compile(P) end)} || P <- Ps].

t_run_errors() ->
    [run("a", "(", [report_errors]), run("a", "a{2,1}", [report_errors]),
     run("a", "(", []), run("a", "[", [report_errors, global]),
     run("a", "(", [report_errors, unicode])].

t_badarg() ->
    [run(a, "a"), run("a", a), run("a", "a", [bad]), run("a", "a", [{offset, -1}]),
     run("a", "a", [{offset, a}]), run("a", "a", [{capture, foo}]), run("a", "a", [{capture, all, foo}]),
     run("a", "a", [{capture, [-1]}]), run("a", "a", [{capture, [1.0]}]), run("a", "a", [{newline, x}]),
     run("a", "a", improper), run([256], "a"), run(<<255>>, "a", [unicode]),
     run([16#D800], "a", [unicode]), run("a", {re_pattern, 0, 0, 0, <<"xx">>}),
     run("a", {re_pattern, 0, 0, 0}), run(<<1:3>>, "a"),
     run(<<"é"/utf8>>, "a", [unicode, {offset, 1}]),
     t(fun() -> re:compile("a", [global]) end), t(fun() -> re:compile("a", [bad]) end),
     t(fun() -> re:compile(a) end), t(fun() -> re:compile([256]) end),
     t(fun() -> re:inspect(x, namelist) end), t(fun() -> re:inspect({re_pattern, 0, 0, 0, <<>>}, namelist) end),
     t(fun() -> re:replace("a", "a", "b", [{capture, all}]) end),
     t(fun() -> re:split("a", "a", [global]) end), t(fun() -> re:split("a", "(", []) end),
     t(fun() -> re:replace("a", "(", "b") end), t(fun() -> re:internal_run("a", "a", [], maybe) end)].

%% --- replace, split ------------------------------------------------------------------------

t_replace() ->
    Cases = [{"abcabc", "b", "X", []}, {"abcabc", "b", "X", [global]},
             {"abcabc", "(b)(c)", "\\2\\1", [global]}, {"abc", "b", "[&]", []},
             {"abc", "b", "\\&", []}, {"abc", "b", "\\\\", []}, {"abc", "(b)", "\\g1\\g{1}", []},
             {"abc", "(b)", "\\9", []}, {"abc", "b", "", [global]}, {"aaa", "", "-", [global]},
             {"aaa", "a*", "X", [global]}, {"hello world", "o", "0", [{return, list}, global]},
             {"hello", "l", "L", [{return, binary}]}, {"hello", "L", "x", [caseless, global]},
             {"a.b.c", "\\.", "\\\\.", [global, {return, list}]}, {"abc", "x", "y", [{return, list}]},
             {<<"abc">>, <<"b">>, <<"B">>, [{return, binary}]}, {"abc", "b", ["1", <<"2">>], []},
             {"line1\nline2", "^", "> ", [multiline, global, {return, list}]},
             {"abc", "(?<n>b)", "<\\1>", [{return, list}]}, {"abc", "b", "x", [{offset, 2}]},
             {"aéb", "é", "e", [unicode, {return, list}]}, {"aéb", ".", "-", [unicode, global, {return, binary}]},
             {"ab", "(a)|(x)", "[\\2]", [global, {return, list}]}, {"abc", "b", "x", anchored}],
    [{S, P, R, O, t(fun() -> iolist_to_binary(re:replace(S, P, R, O)) end),
      t(fun() -> re:replace(S, P, R, O) end)}
     || {S, P, R, O} <- Cases].

t_split() ->
    Cases = [{"a,b,,c", ",", []}, {"a,b,,c,,", ",", [trim]}, {"a,b,c", ",", [{parts, 2}]},
             {"a,b,c", ",", [{parts, 0}]}, {"a,b,c", ",", [{parts, infinity}]},
             {"a1b2c", "(\\d)", []}, {"a1b2c", "(\\d)", [group]}, {"a1b2c", "(\\d)", [group, {return, list}]},
             {"abc", "", []}, {"abc", "", [trim]}, {"", ",", []}, {"", ",", [trim]},
             {"a b  c", "\\s+", [{return, list}]}, {"a b  c", " ", [{return, binary}]},
             {"aXbxc", "x", [caseless, {return, list}]}, {"abc", "x", []},
             {"a1b", "(\\d)|(x)", [{return, list}]}, {"a1b", "(x)|(\\d)", [{return, list}]},
             {"a,b;c", "[,;]", [{return, list}, {parts, 2}]}, {"éaé", "a", [unicode, {return, list}]},
             {",a,", ",", []}, {",a,", ",", [trim]}, {"a,b", ",", [{return, iodata}]},
             {"abab", "(?=b)", [{return, list}]}, {"a,b", ",", [bad]}, {"a,b", ",", [{parts, -1}]}],
    [{S, P, O, t(fun() -> re:split(S, P, O) end)} || {S, P, O} <- Cases].

%% --- unicode -------------------------------------------------------------------------------

t_unicode() ->
    U = [unicode],
    [run("é", "é", U), run(<<"é"/utf8>>, <<"é"/utf8>>, U), run("aéb", ".", [global | U]),
     run("aéb", "(.)(.)", [{capture, all, list} | U]), run("aéb", "(.)(.)", [{capture, all, binary} | U]),
     run("日本語", "本", U), run("日本語", "\\w", U), run("日本語", "[本語]+", [{capture, all, list} | U]),
     run("€100", "\\x{20ac}(\\d+)", [{capture, all_but_first, list} | U]),
     run("ab😀c", "[^a-z]", [{capture, all, list} | U]), run("😀", "^.$", U),
     run(<<"😀"/utf8>>, "^.$", []), run("ä", "[à-å]", U), run("aé", "a\\b", U),
     run("éé", "(é)\\1", U), run([16#1F600, $a], "\\x{1F600}a", U),
     run("aé", "é", [{offset, 1} | U]), run("xyz", "y", [{capture, all, list} | U]),
     run([<<"é"/utf8>>, "x"], "x", U), run("é", <<"é"/utf8>>, [{capture, first, list} | U]),
     run("abc", "(*UTF8)b", []), run("ä", "(*UTF)\\x{e4}", []), run("Ω", "[[:alpha:]]", U),
     run("é", "\\w", U), run("é", "\\W", U), run("١٢", "\\d+", U), run("a b", "\\s", U),
     run("x", "\\p{L}", U), run("ß", "\\p{Ll}", U), run("Σ", "\\p{Lu}", U), run("٣", "\\p{Nd}", U),
     %% PCRE 8.44 matches the mandatory part of \w and \W repeats by ASCII rules in UTF-8 mode.
     run("é", "\\w+", U), run("é", "\\w*", U), run("é", "\\W+", U), run("éé", "\\w{2}", U),
     run("aéé", "\\w+", U), run("é", "\\w+?", U), run("é", "[\\w]+", U), run("é", "(?:\\w)+", U),
     run(" é.", "\\W{2,}", U), run("é", "\\w+", [ucp | U])].

t_unicode_caseless() ->
    O = [unicode, caseless],
    [run("É", "é", O), run("é", "É", O), run("Σ", "σ", O), run("ς", "Σ", O), run("K", "\\x{212a}", O),
     run("Ǆ", "ǅ", O), run("ÀÉÎ", "[à-î]+", O), run("ÄÖ", "[äö]+", O), run("É", "é", [unicode]),
     run(<<"\xc9">>, <<"\xe9">>, [caseless]), run("ΑΒΓ", "αβγ", O), run("ЖЖ", "(ж)\\1", O),
     run("straße", "STRASSE", O), run("İ", "i", O), run("ÿ", "Ÿ", O)].

t_ucp() ->
    O = [unicode, ucp],
    [run("é", "\\w", O), run("é", "\\W", O), run("日本", "\\w+", O), run("١٢", "\\d+", O),
     run("x y", "\\s", O), run([16#2003], "\\s", O),
     run("aé b", "\\b", [global | O]), run("aé b", "\\b", [global, unicode]),
     run("Ωx", "[[:alpha:]]+", O), run("Ωx", "[[:alpha:]]+", [unicode]), run("ω", "[[:lower:]]", O),
     run("Ω", "[[:upper:]]", O), run("١", "[[:digit:]]", O), run("é", "[\\w]", O)].

%% --- limits --------------------------------------------------------------------------------

t_catastrophic() ->
    S = lists:duplicate(30, $a) ++ "b",
    [run(S, "(a+)+$"), run(S, "(a+)+$", [report_errors]), run(S, "(a|aa)+$", [report_errors]),
     run(S, "(a*)*$", [report_errors, global]), run(S, "^(a+)+$", [{capture, none}]),
     run(S, "(a+)+b"), run(lists:duplicate(5000, $a), "(a|b)*c", [report_errors])].

t_match_limit() ->
    [run("aaaaaaaaaaaaaaaaaaaab", "(a+)+$", [report_errors, {match_limit, 1000}]),
     run("ab", "a", [report_errors, {match_limit, 0}]), run("ab", "a", [{match_limit, 10000}]),
     run("aaaaaaaaaaaaaaaaaaaab", "(a+)+$", [report_errors, global, {match_limit, 1000}]),
     run("aaaaaaaaaaaaaaaaaaaab", "(a+)+$", [{match_limit, 1000}])].

t_iodata() ->
    [run(["a", [$b, <<"c">>], <<>>], "bc"), run(["a" | <<"b">>], "ab"), run(<<"abc">>, ["b", <<"c">>]),
     run(iolist_to_binary(lists:duplicate(100, "xy")), "(xy){50}", [{capture, first, binary}]),
     run(begin <<_:8, B/binary>> = <<"xabc">>, B end, "^abc"), run([], ""), run("", [])].

t_long_subject() ->
    Big = list_to_binary([lists:duplicate(100000, $a), "needle", lists:duplicate(1000, $b)]),
    [run(Big, "needle"), run(Big, "a*needle", [{capture, all, index}]), run(Big, ".*b$"),
     run(Big, "^[ab]*c", [report_errors]), run(Big, "b+", [global, {capture, none}]),
     length(re:split(Big, "a", [])), byte_size(iolist_to_binary(re:replace(Big, "a", "xy", [global])))].

t_inspect_version() ->
    {ok, MP1} = re:compile("(?<b>x)(?<a>y)(?<c>z)"),
    {ok, MP2} = re:compile("(?<n>x)|(?<n>y)", [dupnames]),
    {ok, MP3} = re:compile("x"),
    [re:inspect(MP1, namelist), re:inspect(MP2, namelist), re:inspect(MP3, namelist),
     re:version()].

%% --- random patterns -----------------------------------------------------------------------

%% A linear congruential generator: the same numbers on both VMs.
next(X) -> (X * 1103515245 + 12345) band 16#7fffffff.

pick(L, X) -> lists:nth(X rem length(L) + 1, L).

atoms() ->
    ["a", "b", "c", ".", "\\d", "\\w", "\\s", "[ab]", "[^a]", "[a-c]", "x", "\\b", "^", "$",
     "\\.", "(?:a|b)", "\\W"].

quants() -> ["", "", "", "*", "+", "?", "*?", "+?", "{2}", "{1,2}", "*+", "{0,3}?"].

gen_re(0, X) ->
    {pick(atoms(), X), next(X)};
gen_re(D, X) ->
    X1 = next(X),
    case X1 rem 7 of
        0 ->
            {A, X2} = gen_re(D - 1, X1),
            {B, X3} = gen_re(D - 1, X2),
            {A ++ B, X3};
        1 ->
            {A, X2} = gen_re(D - 1, X1),
            {B, X3} = gen_re(D - 1, X2),
            {A ++ "|" ++ B, X3};
        2 ->
            {A, X2} = gen_re(D - 1, X1),
            {"(" ++ A ++ ")" ++ pick(quants(), X2), next(X2)};
        3 ->
            {A, X2} = gen_re(D - 1, X1),
            {"(?:" ++ A ++ ")" ++ pick(quants(), X2), next(X2)};
        4 ->
            {A, X2} = gen_re(0, X1),
            {A ++ pick(quants(), X2), next(X2)};
        5 ->
            {A, X2} = gen_re(D - 1, X1),
            {B, X3} = gen_re(0, X2),
            {A ++ B ++ pick(quants(), X3), next(X3)};
        _ ->
            {A, X2} = gen_re(D - 1, X1),
            {A ++ "(?=" ++ pick(["a", "b", "\\w"], X2) ++ ")", next(X2)}
    end.

gen_subject(0, X, Acc) -> {Acc, X};
gen_subject(N, X, Acc) -> gen_subject(N - 1, next(X), [pick("aabbcx. 1_", X) | Acc]).

randoms(0, _X, _Opts, Acc) ->
    lists:reverse(Acc);
randoms(N, X, Opts, Acc) ->
    {P, X1} = gen_re(3, X),
    {S, X2} = gen_subject(X1 rem 12, X1, []),
    R = {P, S, run(S, P, Opts), run(S, P, [global | Opts])},
    randoms(N - 1, X2, Opts, [R | Acc]).

t_random() ->
    randoms(1500, 42, [], []) ++ randoms(300, 7, [caseless, multiline], []).

t_random_unicode() ->
    [{P, S, run(S, P, [unicode, {capture, all, list}])}
     || {P, S} <- [{"é.", "aébé"}, {"[é-ë]+", "xêéë"}, {"(.)\\1", "éé"}, {".{2}$", "日本語"},
                   {"(?<=é)b", "éb"}, {"\\S+", "ö ü"}, {"[^é]+", "aéb"}, {"é*?b", "éeb"}]].
