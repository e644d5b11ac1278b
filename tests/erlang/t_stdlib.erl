%% Stock OTP modules loaded unmodified: string, io_lib, unicode, proplists, lists, maps, math-free.
-module(t_stdlib).
-export([t_string/0, t_io_lib/0, t_unicode/0, t_proplists/0, t_lists_more/0, t_binary_mod/0,
         t_sets_dict/0, t_math/0, t_dict_growth/0, t_big_map_updates/0]).

t_string() ->
    {string:to_upper("abc"), string:tokens("a,b,,c", ","), string:split("a b c", " "),
     string:trim("  x  "), string:join(["a", "b"], "-"), string:length("héllo"),
     string:lowercase(<<"ÀBC"/utf8>>), string:find("hello world", "o w"), string:slice("abcdef", 2, 3),
     string:pad("ab", 5, both), string:reverse("abc"), string:is_empty("")}.
t_io_lib() ->
    F = fun(Fmt, Args) -> lists:flatten(io_lib:format(Fmt, Args)) end,
    {F("~p ~s ~w ~b ~.2f", [{a, "b"}, "str", 1.5, 7, 3.14159]), F("~10.3f|~-6s|~6s|", [2.5, "ab", "cd"]),
     F("~e ~g", [12345.678, 0.001]), F("~p", [#{a => [1, 2], "k" => <<"v">>}]), F("~x ~.16B ~c", [255, "0x", 255, $z]),
     F("~ts", [[1049, 1094]]), F("~p", [lists:seq(1, 30)]), F("~w", [{1.0e10, -0.5, 1 bsl 65}]),
     F("~i~s", [ignored, "x"]), F("~*c", [3, $-])}.
t_unicode() ->
    {unicode:characters_to_binary("héllo"), unicode:characters_to_list(<<"héllo"/utf8>>),
     unicode:characters_to_binary(["a", <<"b">>, [$c]]), unicode:characters_to_binary(<<233>>, latin1),
     unicode:characters_to_list([<<"x">>, 1000])}.
t_proplists() ->
    L = [{a, 1}, b, {c, 3}, {a, 4}],
    {proplists:get_value(a, L), proplists:get_bool(b, L), proplists:get_all_values(a, L),
     proplists:delete(a, L), proplists:lookup(c, L), proplists:get_value(z, L, def)}.
t_lists_more() ->
    {lists:foldr(fun(X, A) -> [X | A] end, [], [1, 2, 3]), lists:mapfoldl(fun(X, A) -> {X * 2, A + X} end, 0, [1, 2]),
     lists:partition(fun(X) -> X > 2 end, [1, 2, 3, 4]), lists:dropwhile(fun(X) -> X < 3 end, [1, 2, 3, 1]),
     lists:flatmap(fun(X) -> [X, X] end, [a, b]), lists:sublist([1, 2, 3, 4], 2, 2), lists:max([3, 9, 2]),
     lists:keyreplace(a, 1, [{a, 1}], {a, 2}), lists:ukeymerge(1, [{1, a}], [{1, b}, {2, c}]),
     lists:seq(10, 1, -3), lists:enumerate([a, b]), lists:uniq([1, 2, 1]), lists:duplicate(2, x)}.
t_binary_mod() ->
    {catch binary:split(<<"a,b,c">>, <<",">>, [global]), catch binary:match(<<"hello">>, <<"ll">>),
     catch binary:part(<<"hello">>, 1, 3), catch binary:copy(<<"ab">>, 2), catch binary:first(<<"z">>)}.
t_sets_dict() ->
    S = sets:from_list([3, 1, 2, 1]),
    D = dict:store(k, v, dict:new()),
    G = gb_trees:insert(b, 2, gb_trees:insert(a, 1, gb_trees:empty())),
    O = orddict:store(x, 1, orddict:new()),
    {lists:sort(sets:to_list(S)), dict:find(k, D), gb_trees:to_list(G), O, queue:to_list(queue:in(1, queue:new()))}.
t_math() ->
    {math:sin(1), math:cos(0.5), math:pow(2, 10), math:sqrt(2), math:pi(), math:log(10),
     math:exp(1), math:atan2(1, 2), math:floor(-1.5), math:fmod(7.5, 2), math:log2(1024),
     catch math:log(id(0)), catch math:sqrt(id(-1))}.
id(X) -> X.
t_dict_growth() ->
    D = lists:foldl(fun(I, A) -> dict:update_counter({k, I rem 500, [I rem 7]}, 1, A) end,
                    dict:new(), lists:seq(1, 20000)),
    {dict:size(D), dict:fetch({k, 3, [3]}, D), lists:sum([V || {_, V} <- dict:to_list(D)])}.
t_big_map_updates() ->
    M = lists:foldl(fun(I, A) -> A#{I rem 1000 => I} end, #{}, lists:seq(1, 100000)),
    {map_size(M), maps:get(7, M), lists:sum(maps:values(M))}.
