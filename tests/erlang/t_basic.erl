%% Sequential basics: arithmetic, comparisons, lists, tuples, case/if, recursion.
-module(t_basic).
-export([t_arith/0, t_bignum/0, t_division/0, t_bitwise/0, t_compare/0, t_term_order/0,
         t_lists/0, t_tuples/0, t_case_if/0, t_recursion/0, t_tail_recursion/0, t_guards/0,
         t_atoms/0, t_strings/0, t_integer_text/0, t_apply/0, t_float_arith/0, t_list_ops/0,
         t_deep_list/0]).

t_arith() -> {1 + 2, 7 - 10, 6 * 7, 7 div 2, -7 div 2, 7 rem -2, -7 rem 2, abs(-5), -(3), +4}.
t_bignum() ->
    A = 1 bsl 100,
    B = A * A - 1,
    {A, B, B div A, B rem A, -A, A - A, (A + 1) * (A - 1), fact(30), fact(25) div fact(23)}.
t_division() -> Z = id(0), {10 / 4, 1 / 3, catch 1 div Z, catch 1 / Z, catch 1 rem Z}.
id(X) -> X.
t_bitwise() -> {5 band 3, 5 bor 3, 5 bxor 3, bnot 5, 1 bsl 10, 1024 bsr 3, -1 bsr 5, -16 bsr 2,
                (1 bsl 80) bor 1, (1 bsl 80) band ((1 bsl 81) - 1), bnot (1 bsl 70)}.
t_compare() -> {1 < 2, 1.0 == 1, 1.0 =:= 1, 1 =/= 1.0, a < b, {1, 2} < {1, 3}, [1] < [1, 2],
                1 < a, a < {}, {} < [], [] < [a], [a] < <<>>, max(1, 2.0), min(a, 1)}.
t_term_order() ->
    lists:sort([b, 3, {1}, [x], <<"b">>, 2.5, a, [], {0, 0}, -1, 1 bsl 64, "abc"]).
t_lists() ->
    L = lists:seq(1, 10),
    {length(L), hd(L), tl(L), lists:sum(L), lists:reverse(L), lists:nth(3, L),
     lists:map(fun(X) -> X * X end, L), lists:filter(fun(X) -> X rem 2 == 0 end, L),
     lists:foldl(fun(X, A) -> X + A end, 0, L), lists:last(L), [X || X <- L, X > 7],
     lists:member(5, L), lists:keyfind(b, 1, [{a, 1}, {b, 2}]), lists:zip([1, 2], [a, b])}.
t_tuples() ->
    T = {a, b, c},
    {element(2, T), setelement(1, T, z), tuple_size(T), tuple_to_list(T), list_to_tuple([1, 2]),
     erlang:append_element(T, d), erlang:make_tuple(3, x), size(T)}.
t_case_if() -> [classify(X) || X <- [0, 1, -3, 2.5, a, "s", {t}]].
classify(X) when is_integer(X), X > 0 -> pos;
classify(0) -> zero;
classify(X) when is_integer(X) -> neg;
classify(X) when is_float(X) -> if X > 2 -> big_float; true -> small_float end;
classify(X) ->
    case X of
        a -> atom_a;
        [_ | _] -> list;
        _ -> other
    end.
t_recursion() -> {fib(20), ack(2, 3), len([1, 2, 3, 4])}.
t_tail_recursion() -> count(1000000, 0).
t_guards() -> [g(X) || X <- [1, 1.0, a, [], [1], {}, <<>>, fun() -> ok end, #{}]].
g(X) when is_atom(X); is_list(X) -> atom_or_list;
g(X) when is_number(X), X == 1 -> one;
g(X) when is_tuple(X) andalso tuple_size(X) == 0 -> empty_tuple;
g(X) when is_binary(X) -> binary;
g(X) when is_function(X, 0) -> fun0;
g(X) when is_map(X) -> map;
g(_) -> other.
t_atoms() -> {atom_to_list(hello), list_to_atom("wor" ++ "ld"), atom_to_list('with space'),
              list_to_existing_atom("hello"), catch list_to_existing_atom("surely_not_an_atom_zz")}.
t_strings() -> {"abc" ++ "def", "hello" -- "l", lists:flatten(["a", ["b", "c"]]),
                lists:concat([a, 1, "b"])}.
t_integer_text() -> {integer_to_list(12345), integer_to_list(-255, 16), list_to_integer("-42"),
                     list_to_integer("ff", 16), integer_to_list(1 bsl 70),
                     list_to_integer("123456789012345678901234567890"), catch list_to_integer("x")}.
t_apply() -> {apply(lists, reverse, [[1, 2]]), apply(fun(X) -> X + 1 end, [1]),
              erlang:apply(erlang, '+', [1, 2]), (fun lists:sum/1)([1, 2, 3])}.
t_float_arith() -> {1.5 + 2, 3 * 0.5, 2.0 - 0.5, 7 / 2, float(3), trunc(3.7), round(2.5), round(-2.5),
                    trunc(-3.7), floor(-3.5), ceil(3.2), abs(-1.5)}.
t_list_ops() -> {[1, 2] ++ [3], [1, 2, 3, 2] -- [2], lists:append([[1], [2, 3]]), lists:sort([3, 1, 2]),
                 lists:usort([b, a, b]), lists:keysort(2, [{x, 3}, {y, 1}]), lists:split(2, [1, 2, 3])}.
t_deep_list() -> length(lists:seq(1, 200000)) + lists:sum(lists:seq(1, 1000)).

fact(0) -> 1;
fact(N) -> N * fact(N - 1).
fib(N) when N < 2 -> N;
fib(N) -> fib(N - 1) + fib(N - 2).
ack(0, N) -> N + 1;
ack(M, 0) -> ack(M - 1, 1);
ack(M, N) -> ack(M - 1, ack(M, N - 1)).
len([]) -> 0;
len([_ | T]) -> 1 + len(T).
count(0, A) -> A;
count(N, A) -> count(N - 1, A + 1).
