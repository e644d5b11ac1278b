%% check: recomputes with stock Erlang every line printed by vm-support-check
%% (`OP ARGS = RESULT`) and prints the line as Erlang would. The suite diffs the two outputs.
%% Usage: erl -noshell -pa DIR -run check main IN OUT -s init stop
-module(check).
-export([main/1, gen_inflate/1, ulp/1]).

main([In, Out]) ->
    {ok, Bin} = file:read_file(In),
    Lines = binary:split(Bin, <<"\n">>, [global, trim_all]),
    Res = [[line(L), $\n] || L <- Lines],
    ok = file:write_file(Out, Res).

%% Lines are handled as binaries: the inflate lines carry hundreds of kilobytes of hex.
line(L) ->
    {Pos, _} = lists:last(binary:matches(L, <<" = ">>)),
    Lhs = binary:part(L, 0, Pos),
    [Op | Args] = binary:split(Lhs, <<" ">>, [global, trim_all]),
    [Lhs, " = ", result(binary_to_list(Op), args(Op, Args))].

args(<<"inflate">>, Args) -> Args;
args(<<"deflate">>, Args) -> Args;
args(<<"zlib6">>, Args) -> Args;
args(<<"t2b">>, Args) -> Args;
args(_, Args) -> [binary_to_list(A) || A <- Args].

h(S) -> list_to_integer(S, 16).
hs(I) -> integer_to_list(I, 16).
d(S) -> list_to_integer(S).

result("add", [A, B]) -> hs(h(A) + h(B));
result("sub", [A, B]) -> hs(h(A) - h(B));
result("mul", [A, B]) -> hs(h(A) * h(B));
result("div", [A, B]) -> hs(h(A) div h(B));
result("rem", [A, B]) -> hs(h(A) rem h(B));
result("band", [A, B]) -> hs(h(A) band h(B));
result("bor", [A, B]) -> hs(h(A) bor h(B));
result("bxor", [A, B]) -> hs(h(A) bxor h(B));
result("cmp", [A, B]) ->
    X = h(A), Y = h(B),
    integer_to_list(if X < Y -> -1; X > Y -> 1; true -> 0 end);
result("bnot", [A]) -> hs(bnot h(A));
result("bsl", [A, N]) -> hs(h(A) bsl d(N));
result("bsr", [A, N]) -> hs(h(A) bsr d(N));
result("to_text", [A, B]) -> integer_to_list(h(A), d(B));
result("from_text", [T, B]) ->
    try hs(list_to_integer(T, d(B))) catch error:badarg -> "badarg" end;
result("to_double", [A]) ->
    try float(h(A)) of F -> bits(F) catch error:badarg -> "badarg" end;
result("trunc", [Bits]) ->
    case <<(h(Bits)):64>> of
        <<F/float>> -> hs(trunc(F));
        _ -> "badarg"
    end;
result("pow", [A, N]) -> hs(ipow(h(A), d(N)));
result("gcd", [A, B]) -> hs(gcd(abs(h(A)), abs(h(B))));
result("f2l_" ++ _, [Bits, Opt]) ->
    <<F/float>> = <<(list_to_integer(Bits, 16)):64>>,
    try float_to_list(F, fmt_opts(Opt)) catch error:badarg -> "badarg" end;
result("l2f", [Text]) ->
    try list_to_float(Text) of F -> bits(F) catch error:badarg -> "badarg" end;
result("inflate", [Z]) -> hex(zlib:uncompress(unhex(Z)));
result("deflate", [Z]) -> hex(zlib:uncompress(unhex(Z)));
result("zlib6", [P]) -> hex(zlib:compress(unhex(P)));
result("t2b", [L, P]) ->
    T = binary_to_term(<<131, (unhex(P))/binary>>),
    hex(term_to_binary(T, [{compressed, binary_to_integer(L)}]));
result("math_" ++ Name, Args) ->
    Fs = [begin <<F/float>> = <<(list_to_integer(A, 16)):64>>, F end || A <- Args],
    try apply(math, list_to_atom(Name), Fs) of R -> bits(R) catch error:badarith -> "badarith" end;
result(Op, _) -> "unknown op " ++ Op.

fmt_opts("list") -> [{scientific, 20}];
fmt_opts("short") -> [short];
fmt_opts("s" ++ N) -> [{scientific, list_to_integer(N)}];
fmt_opts("d" ++ N) ->
    case lists:reverse(N) of
        "c" ++ R -> [{decimals, list_to_integer(lists:reverse(R))}, compact];
        _ -> [{decimals, list_to_integer(N)}]
    end.

bits(F) ->
    <<B:64>> = <<F/float>>,
    string:right(string:to_lower(integer_to_list(B, 16)), 16, $0).

ipow(_, 0) -> 1;
ipow(A, N) -> A * ipow(A, N - 1).

gcd(A, 0) -> A;
gcd(A, B) -> gcd(B, A rem B).

%% gen_inflate([Out]): `HEXZLIB HEXPLAIN` lines for the inflate group: zlib:compress of
%% deterministic data (several levels and shapes) and term_to_binary(T, [compressed]) bodies.
gen_inflate([Out]) ->
    rand:seed(exsss, {1, 2, 3}),
    Datas = [<<>>, <<"a">>, <<"hello hello hello hello">>,
             list_to_binary(lists:duplicate(1000, $x)),
             list_to_binary([integer_to_list(I) || I <- lists:seq(1, 3000)]),
             crypto_free_random(20000), crypto_free_random(70000)]
            ++ [list_to_binary([rand:uniform(4) + $a || _ <- lists:seq(1, rand:uniform(5000))])
                || _ <- lists:seq(1, 40)],
    Z = fun(Level, D) ->
                S = zlib:open(),
                ok = zlib:deflateInit(S, Level),
                C = iolist_to_binary(zlib:deflate(S, D, finish)),
                ok = zlib:deflateEnd(S),
                zlib:close(S),
                C
        end,
    Vecs = [{zlib:compress(D), D} || D <- Datas]
        ++ [{Z(L, D), D} || L <- [0, 1, 9], D <- Datas]
        ++ [term_body(T) || T <- [lists:seq(1, 2000), lists:duplicate(500, {a, b}),
                                  {atom, lists:duplicate(300, "string"), 1.5},
                                  maps:from_list([{I, integer_to_list(I)} || I <- lists:seq(1, 3000)]),
                                  [float(I) / 7 || I <- lists:seq(1, 4000)],
                                  list_to_binary(lists:duplicate(20000, <<"abcdefgh">>)),
                                  [crypto_free_random(100) || _ <- lists:seq(1, 100)],
                                  {lists:seq(1, 100000)}]],
    ok = file:write_file(Out, [[hex(C), " ", hex(D), mark(V), "\n"] || V = {C, D} <- Vecs]).

mark(V) -> case get({term, V}) of true -> " t"; _ -> "" end.

%% term_to_binary(T, [compressed]) = <<131, 80, Size:32, Zlib/binary>>.
term_body(T) ->
    <<131, 80, _Size:32, Zlib/binary>> = term_to_binary(T, [compressed]),
    <<131, Plain/binary>> = term_to_binary(T),
    put({term, {Zlib, Plain}}, true),
    {Zlib, Plain}.

unhex(<<"-">>) -> <<>>;
unhex(S) -> binary:decode_hex(S).

crypto_free_random(N) -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, N)]).

hex(<<>>) -> "-";
hex(B) -> string:lowercase(binary:encode_hex(B)).

%% ulp([Ours, Erls]): per math function, how our results compare with stock erl's:
%% `NAME TOTAL EXACT MAXULP ERRMISMATCH` (ERRMISMATCH: one side badarith, the other not).
ulp([Ours, Erls]) ->
    {ok, A} = file:read_file(Ours),
    {ok, B} = file:read_file(Erls),
    La = binary:split(A, <<"\n">>, [global, trim_all]),
    Lb = binary:split(B, <<"\n">>, [global, trim_all]),
    Stats = lists:foldl(fun({X, Y}, Acc) ->
                                [Op | _] = binary:split(X, <<" ">>),
                                RX = lists:last(binary:split(X, <<" = ">>)),
                                RY = lists:last(binary:split(Y, <<" = ">>)),
                                {T, E, M, Err} = maps:get(Op, Acc, {0, 0, 0, 0}),
                                S = case {RX, RY} of
                                        {Same, Same} -> {T + 1, E + 1, M, Err};
                                        {<<"badarith">>, _} -> {T + 1, E, M, Err + 1};
                                        {_, <<"badarith">>} -> {T + 1, E, M, Err + 1};
                                        _ -> {T + 1, E, max(M, ulps(RX, RY)), Err}
                                    end,
                                Acc#{Op => S}
                        end, #{}, lists:zip(La, Lb)),
    [io:format("~s ~w ~w ~w ~w~n", [Op, T, E, M, Err])
     || {Op, {T, E, M, Err}} <- lists:sort(maps:to_list(Stats))],
    ok.

ulps(X, Y) -> abs(ordered(binary_to_integer(X, 16)) - ordered(binary_to_integer(Y, 16))).
ordered(B) when B >= 1 bsl 63 -> (1 bsl 63) - B;
ordered(B) -> B.
