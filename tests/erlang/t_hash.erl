%% t_hash: erlang:phash/2 and phash2/1,2 give OTP's exact values for every kind of term, so
%% structures ordered by hash (sets, dict) list their elements in erl's order.
-module(t_hash).
-compile(nowarn_deprecated_function).
-export([t_phash2_immediates/0, t_phash2_numbers/0, t_phash2_lists/0, t_phash2_tuples/0,
         t_phash2_binaries/0, t_phash2_maps/0, t_phash2_funs/0, t_phash2_ranges/0,
         t_phash_all/0, t_phash_ranges/0, t_phash_deep/0, t_sets_unsorted/0,
         t_dict_unsorted/0, t_bad_ranges/0]).

terms() ->
    [0, 1, -1, 42, 255, 256, -256, 1 bsl 27 - 1, 1 bsl 27, -(1 bsl 27), -(1 bsl 27) - 1,
     1 bsl 31, 1 bsl 32, 1 bsl 59 - 1, -(1 bsl 59), 1 bsl 60, 1 bsl 64, -(1 bsl 64), 1 bsl 100,
     -(1 bsl 200) + 12345, 1 bsl 63 - 1,
     0.0, -0.0, 1.5, -2.25, 3.0e300, 1.0e-300,
     a, ok, '', 'hello world', 'caf\x{e9}', '\x{3b1}\x{3b2}', 'a longer atom name to hash, really',
     [], "a", "ab", "abc", "abcd", "abcde", "hello world", [256], [1, 2 | 3], [a], [[]], [a | b],
     "abc" ++ [a] ++ "de", [-1, 300, "x"],
     {}, {a}, {a, b}, {1, {2, {3}}}, {[], <<>>, {}},
     <<>>, <<1>>, <<"hello">>, <<"0123456789ab">>, <<"0123456789abc">>, <<1:1>>, <<5:3>>,
     <<"abc", 3:2>>, binary:copy(<<"xyz">>, 100),
     #{}, #{a => 1}, #{a => 1, b => 2}, #{{x} => [y], <<"k">> => #{1 => 2}},
     maps:from_list([{I, I * I} || I <- lists:seq(1, 40)]),
     fun lists:map/2, fun erlang:abs/1].

t_phash2_immediates() ->
    [erlang:phash2(T) || T <- [0, 1, -1, 7, -7, a, b, ok, [], '']].

t_phash2_numbers() ->
    [{T, erlang:phash2(T, 1 bsl 32)} || T <- terms(), is_number(T)].

t_phash2_lists() ->
    [{T, erlang:phash2(T, 1 bsl 32)} || T <- terms(), is_list(T)].

t_phash2_tuples() ->
    [{T, erlang:phash2(T, 1 bsl 32)} || T <- terms(), is_tuple(T)].

t_phash2_binaries() ->
    Big = binary:copy(<<"0123456789">>, 10),
    <<_:3, Unaligned:50/binary, _/bitstring>> = Big,
    <<_:8, Sub:40/binary, _/binary>> = Big,
    [erlang:phash2(T, 1 bsl 32) || T <- terms(), is_bitstring(T)]
        ++ [erlang:phash2(Unaligned), erlang:phash2(Sub), erlang:phash2(Big),
            erlang:phash2(<<Unaligned/binary, 1:5>>)].

t_phash2_maps() ->
    Big = maps:from_list([{integer_to_list(I), I} || I <- lists:seq(1, 100)]),
    [erlang:phash2(T, 1 bsl 32) || T <- terms(), is_map(T)]
        ++ [erlang:phash2(Big), erlang:phash2(Big#{"1" := x}), erlang:phash2({Big, [Big]})].

t_phash2_funs() ->
    X = 7,
    F0 = fun() -> ok end,
    F1 = fun(Y) -> X + Y end,
    F2 = fun(Y) -> {X, Y, F1} end,
    [erlang:phash2(F, 1 bsl 32) || F <- [F0, F1, F2, fun lists:map/2, fun erlang:abs/1,
                                          fun t_hash:terms/0]].

t_phash2_ranges() ->
    [[erlang:phash2(T, R) || R <- [1, 2, 7, 1000, 1 bsl 27, 1 bsl 32 - 1]] || T <- terms()].

t_phash_all() ->
    X = 3,
    [erlang:phash(T, 1 bsl 32) || T <- terms() ++ [fun() -> X end, fun(Y) -> {X, Y} end]].

t_phash_ranges() ->
    [[erlang:phash(T, R) || R <- [1, 2, 7, 1000, 1 bsl 27]] || T <- terms()].

t_phash_deep() ->
    Long = lists:seq(1, 200000),
    Deep = lists:foldl(fun(I, A) -> [A, I] end, [], lists:seq(1, 50000)),
    Nest = lists:foldl(fun(I, A) -> {I, A} end, {}, lists:seq(1, 50000)),
    [erlang:phash2(Long), erlang:phash(Long, 1 bsl 32), erlang:phash2(Deep),
     erlang:phash(Deep, 1000), erlang:phash2(Nest), erlang:phash(Nest, 1 bsl 32)].

t_sets_unsorted() ->
    S = sets:from_list([{I, [I]} || I <- lists:seq(1, 300)] ++ [a, b, c, "str", <<"bin">>]),
    S2 = sets:from_list(lists:seq(1, 30), [{version, 2}]),
    {sets:to_list(S), sets:to_list(S2)}.

t_dict_unsorted() ->
    D = lists:foldl(fun(I, A) -> dict:store(integer_to_list(I), I, A) end, dict:new(),
                    lists:seq(1, 200)),
    {dict:to_list(D), dict:fetch_keys(D)}.

t_bad_ranges() ->
    [reason(fun() -> erlang:phash2(a, R) end) || R <- [0, -1, 1 bsl 32 + 1, x, 1.0]]
        ++ [reason(fun() -> erlang:phash(a, R) end) || R <- [0, -1, 1 bsl 32 + 1, x]]
        ++ [erlang:phash(a, 1 bsl 32), erlang:phash2(a, 1 bsl 32)].

reason(F) ->
    try F() catch C:R -> {C, R} end.
