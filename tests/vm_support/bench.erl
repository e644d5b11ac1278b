%% bench: stock erl timings of the operations tests/vm_support/bench.c measures (ns per op).
%% Usage: erl -noshell -pa DIR -run bench main -s init stop
-module(bench).
-export([main/0]).

main() ->
    rand:seed(exsss, {7, 8, 9}),
    mul(1000, 20000), mul(10000, 300), mul(50000, 20),
    divide(1000, 20000),
    text(10000, 100),
    floats(1000000),
    inflate(20).

num(Dec) -> list_to_integer([$1 + rand:uniform(9) - 1 | [$0 + rand:uniform(10) - 1 || _ <- lists:seq(2, Dec)]]).

per(Name, Iters, Fun) ->
    {T, _} = timer:tc(fun() -> loop(Iters, Fun) end),
    io:format("~s ~w~n", [Name, round(T * 1000 / Iters)]).

loop(0, _) -> ok;
loop(N, F) -> _ = F(), loop(N - 1, F).

mul(Dec, N) -> A = num(Dec), B = num(Dec), per("mul_" ++ integer_to_list(Dec) ++ "_digits", N, fun() -> A * B end).
divide(Dec, N) -> A = num(2 * Dec), B = num(Dec),
    per(lists:flatten(io_lib:format("div_~w_by_~w_digits", [2 * Dec, Dec])), N, fun() -> A div B end).
text(Dec, N) -> A = num(Dec), per("integer_to_list_" ++ integer_to_list(Dec) ++ "_digits", N, fun() -> integer_to_list(A) end).

floats(N) ->
    Fs = list_to_tuple([begin <<F/float>> = <<(rand:uniform(1 bsl 62) - 1 bor (3 bsl 60)):64>>, F end
                        || _ <- lists:seq(1, 1000)]),
    floats_loop("float_to_list_short", N, Fs, fun(F) -> float_to_list(F, [short]) end),
    floats_loop("float_to_list_1", N, Fs, fun(F) -> float_to_list(F) end),
    Ts = list_to_tuple([float_to_list(F, [short]) || F <- tuple_to_list(Fs)]),
    floats_loop("list_to_float_short", N, Ts, fun(T) -> list_to_float(T) end).

floats_loop(Name, N, Tup, Fun) ->
    {T, _} = timer:tc(fun() -> fl(N, Tup, Fun) end),
    io:format("~s ~w~n", [Name, round(T * 1000 / N)]).
fl(0, _, _) -> ok;
fl(N, Tup, Fun) -> _ = Fun(element(N rem 1000 + 1, Tup)), fl(N - 1, Tup, Fun).

inflate(N) ->
    Src = list_to_binary([case rand:uniform(8) of 1 -> $\s; _ -> $a + rand:uniform(6) - 1 end
                          || _ <- lists:seq(1, 1 bsl 20)]),
    Z = zlib:compress(Src),
    per("zlib_compress_1MiB", N, fun() -> zlib:compress(Src) end),
    per("zlib_uncompress_1MiB", N, fun() -> zlib:uncompress(Z) end).
