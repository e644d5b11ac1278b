%% Large maps (more than 32 pairs: OTP's hash trie) against erl: iteration order (to_list, keys,
%% values, iterator, fold), term_to_binary bytes, ~p/~w text, updates and removals across the
%% 32-pair boundary both ways, equality and order between flat and hashed maps, keys whose
%% 32-bit hashes collide, literals, guards, phash2. Atom keys are left out where order is
%% compared: their hash is the atom table index, which differs between VMs (docs/vm.md).
-module(t_maps_large).
-compile({nowarn_deprecated_function, [{erlang, phash, 2}]}).
-export([t_order_33/0, t_order_mixed_100/0, t_order_1000/0, t_order_100000/0,
         t_grow_and_shrink/0, t_put_many/0, t_update_exact/0, t_remove/0, t_equality/0,
         t_term_order/0, t_collisions/0, t_iterator/0, t_maps_module/0, t_etf/0,
         t_etf_decode/0, t_printing/0, t_phash/0, t_literal/0, t_guards/0,
         t_atom_keys/0, t_nested/0, t_take/0, t_from_keys/0, t_ets_match_spec/0,
         t_message/0, t_random_ops/0]).

%% Mixed keys without atoms: small ints (negative too), bignums, floats, binaries (heap, refc,
%% sub-binaries), bitstrings, strings, improper lists, tuples, nested maps, [] and {}.
mixed(N) ->
    Big = <<0:800>>,
    [case I rem 12 of
         0 -> I;
         1 -> -I;
         2 -> I * 1000000000000000000000;
         3 -> I / 7;
         4 -> integer_to_binary(I);
         5 -> binary:part(<<I:32, Big/binary>>, 2, 90);
         6 -> <<I:13>>;
         7 -> integer_to_list(I);
         8 -> [I | I + 1];
         9 -> {I, [I], <<"t">>};
         10 -> #{I => I, <<"k">> => [I]};
         11 -> {}
     end || I <- lists:seq(1, N)] ++ [[], {}, 0, 1.0, -(1 bsl 70)].

pairs(Keys) -> [{K, {v, K}} || K <- Keys].

digest(T) -> erlang:md5(term_to_binary(T)).

t_order_33() ->
    M = maps:from_list([{I, I * I} || I <- lists:seq(1, 33)]),
    {maps:to_list(M), maps:keys(M), maps:values(M), term_to_binary(M),
     maps:fold(fun(K, V, A) -> [{K, V} | A] end, [], M)}.

t_order_mixed_100() ->
    M = maps:from_list(pairs(mixed(100))),
    {map_size(M), maps:keys(M), [V || {_, V} <- maps:to_list(M)], digest(M),
     maps:fold(fun(K, _, A) -> [K | A] end, [], M)}.

t_order_1000() ->
    Keys = mixed(1000),
    M = maps:from_list(pairs(Keys)),
    M2 = lists:foldl(fun(K, A) -> A#{K => {v, K}} end, #{}, lists:reverse(Keys)),
    {map_size(M), M =:= M2, lists:sublist(maps:keys(M), 40), digest(M), digest(M2),
     digest(maps:to_list(M)), digest(maps:values(M2))}.

t_order_100000() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 100000)]),
    M2 = lists:foldl(fun(I, A) -> A#{-I => I} end, M, lists:seq(1, 1000)),
    M3 = lists:foldl(fun(I, A) -> maps:remove(I, A) end, M2, lists:seq(1, 100000, 3)),
    {map_size(M), map_size(M2), map_size(M3), lists:sublist(maps:keys(M3), 50),
     digest(maps:keys(M)), digest(M2), digest(M3), digest(maps:to_list(M3)),
     maps:fold(fun(K, V, A) -> A + K * V end, 0, M3)}.

%% One key at a time from 25 to 45 pairs and back, both with M#{K => V} and maps:put/remove;
%% every step's order is recorded.
t_grow_and_shrink() ->
    Keys = mixed(45),
    {Small, Rest} = lists:split(25, Keys),
    M0 = maps:from_list(pairs(Small)),
    {Up, Top} = lists:foldl(fun(K, {Acc, M}) ->
                                     M1 = M#{K => {v, K}},
                                     {[maps:keys(M1) | Acc], M1}
                             end, {[], M0}, Rest),
    {Down, Bottom} = lists:foldl(fun(K, {Acc, M}) ->
                                         M1 = maps:remove(K, M),
                                         {[{map_size(M1), maps:to_list(M1)} | Acc], M1}
                                 end, {[], Top}, lists:reverse(Rest)),
    Again = lists:foldl(fun(K, M) -> maps:put(K, x, M) end, Bottom, Rest),
    {lists:reverse(Up), lists:reverse(Down), Bottom =:= M0, maps:keys(Again)}.

%% put_map_assoc with several new keys at once crossing 32, and on a hashmap.
t_put_many() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 30)]),
    A = M#{31 => a, 32 => b, 33 => c, 34 => d, 2 => two},
    B = A#{35 => e, 1 => one, 36 => f},
    C = B#{<<"x">> => 1, <<"y">> => 2},
    {maps:to_list(A), maps:to_list(B), maps:keys(C), A =:= maps:merge(M, #{31 => a, 32 => b,
                                                                             33 => c, 34 => d,
                                                                             2 => two})}.

t_update_exact() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 50)]),
    U = M#{7 := seven, 40 := forty},
    Same = M#{7 := 7},
    Err = try M#{51 := x, 7 := y} catch error:E -> E end,
    Err2 = try maps:update(99, x, M) catch error:E2 -> E2 end,
    {maps:to_list(U), Same =:= M, Err, Err2, maps:update(50, z, M) =:= M#{50 => z}}.

t_remove() ->
    M = maps:from_list(pairs(mixed(60))),
    Keys = maps:keys(M),
    Absent = maps:remove(not_a_key, M),
    Steps = [maps:keys(maps:remove(K, M)) || K <- lists:sublist(Keys, 10)],
    All = lists:foldl(fun maps:remove/2, M, Keys),
    {Absent =:= M, Steps, All, maps:without(lists:sublist(Keys, 28), M)}.

t_equality() ->
    Ps = pairs(mixed(70)),
    A = maps:from_list(Ps),
    B = maps:from_list(lists:reverse(Ps)),
    C = lists:foldl(fun({K, V}, M) -> M#{K => V} end, #{}, Ps),
    D = maps:merge(maps:from_list(lists:sublist(Ps, 20)), maps:from_list(lists:nthtail(20, Ps))),
    F = maps:from_list([{I, I} || I <- lists:seq(1, 40)]),
    G = maps:from_list([{I, float(I)} || I <- lists:seq(1, 40)]),
    {A =:= B, A =:= C, A =:= D, A == D, F == G, F =:= G, F =/= G, F < G,
     maps:remove(1, F) == maps:remove(1, G), A =:= maps:put(0, x, A)}.

t_term_order() ->
    Flat = maps:from_list([{I, I} || I <- lists:seq(1, 32)]),
    Hash = maps:from_list([{I, I} || I <- lists:seq(1, 33)]),
    H2 = maps:put(33, 0, Hash),
    H3 = maps:put(34, 33, maps:remove(33, Hash)),
    H4 = maps:put(1.0, 1, maps:remove(1, Hash)),
    Ms = [H3, Hash, Flat, H2, #{}, H4, maps:remove(5, Hash), #{a => 1}],
    {lists:sort(Ms) =:= lists:sort(lists:reverse(Ms)),
     [map_size(M) || M <- lists:sort(Ms)],
     [lists:sort(Ms) -- [M] =/= lists:sort(Ms) || M <- Ms],
     Hash < H2, H2 < H3, H4 < Hash, Flat < Hash, erlang:max(Hash, H2) =:= H2,
     lists:sort([{Hash, 1}, {H2, 0}, {Flat, 2}])}.

%% Pairs of integers whose 32-bit map hashes are equal (found with a model of BEAM's
%% make_internal_hash): they part only at level 8 with the rehash.
collisions() ->
    [{1992127, 2407653}, {1834800, 2959648}, {2981349, 3417238}, {584756, 2843805},
     {2695561, 3475003}, {1965948, 2520257}, {1480032, 2224647}, {1067020, 1376086}].

t_collisions() ->
    Cs = lists:append([[A, B] || {A, B} <- collisions()]),
    Base = maps:from_list([{I, I} || I <- lists:seq(1, 40)]),
    M = maps:merge(Base, maps:from_list([{K, c} || K <- Cs])),
    M2 = lists:foldl(fun(K, A) -> A#{K => c} end, Base, Cs),
    {A1, B1} = hd(collisions()),
    R1 = maps:remove(A1, M),
    R2 = maps:remove(B1, R1),
    Back = maps:put(A1, c, R2),
    Small = maps:from_list([{K, c} || K <- Cs] ++ [{I, I} || I <- lists:seq(1, 17)]),
    {maps:keys(M), M =:= M2, maps:get(A1, M), maps:get(B1, M), maps:keys(R1), maps:keys(R2),
     maps:keys(Back), maps:is_key(A1, R1), maps:find(B1, R1), maps:keys(Small),
     term_to_binary(Small), maps:keys(lists:foldl(fun maps:remove/2, M, Cs))}.

t_iterator() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 80)]),
    {K1, V1, I1} = maps:next(maps:iterator(M)),
    Walk = walk(maps:iterator(M), []),
    %% the first call gives 32 pairs and then the path to the rest
    Chain = chain(I1, 0),
    Flat = maps:next(maps:iterator(#{a => 1, b => 2})),
    {K1, V1, Chain, Walk, Flat, maps:next(none), walk(maps:iterator(#{}), [])}.

walk(I, Acc) ->
    case maps:next(I) of
        none -> lists:reverse(Acc);
        {K, _, I2} -> walk(I2, [K | Acc])
    end.

chain({_, _, Next}, N) -> chain(Next, N + 1);
chain([Path | _], N) -> {N, Path};
chain(none, N) -> {N, none}.

t_maps_module() ->
    M = maps:from_list(pairs(mixed(50))),
    Keys = maps:keys(M),
    Ints = maps:filter(fun(K, _) -> is_integer(K) end, M),
    {maps:keys(maps:map(fun(_, {v, K}) -> K end, M)),
     maps:to_list(Ints),
     maps:keys(maps:filtermap(fun(K, V) -> is_binary(K) andalso {true, V} end, M)),
     maps:keys(maps:with(lists:sublist(Keys, 40), M)),
     maps:keys(maps:without(lists:sublist(Keys, 10), M)),
     maps:keys(maps:merge(M, Ints)), maps:keys(maps:merge(Ints, M)),
     maps:merge_with(fun(_, A, B) -> {A, B} end, Ints, maps:from_list([{I, x} ||
                                                                      I <- lists:seq(1, 40)])),
     maps:keys(maps:intersect(M, Ints)),
     maps:fold(fun(K, _, A) -> [K | A] end, [], maps:iterator(M)),
     maps:update_with(hd(Keys), fun(_) -> upd end, M) =:= M#{hd(Keys) => upd},
     maps:get(nope, M, default), maps:size(M),
     maps:groups_from_list(fun(X) -> X rem 3 end, lists:seq(1, 40)),
     foreach_order(M)}.

foreach_order(M) ->
    erase(order),
    maps:foreach(fun(K, _) -> put(order, [K | case get(order) of undefined -> []; L -> L end])
                 end, M),
    erase(order).

t_etf() ->
    M = maps:from_list(pairs(mixed(40))),
    Bin = term_to_binary(M),
    Det = term_to_binary(M, [deterministic]),
    Nested = term_to_binary(#{outer => M, list => [M, maps:remove(0, M)]}),
    {Bin, binary_to_term(Bin) =:= M, binary_to_term(Det) =:= M, Det,
     digest(maps:from_list([{I, I} || I <- lists:seq(1, 1000)])),
     byte_size(term_to_binary(M, [compressed])), binary_to_term(Nested) =:= binary_to_term(Nested),
     erlang:md5(Nested)}.

%% MAP_EXT with the pairs in any order builds the same map; a repeated key is badarg.
t_etf_decode() ->
    Ps = [{I, I} || I <- lists:seq(1, 40)],
    Enc = fun(L) ->
                  list_to_binary([<<131, 116, (length(L)):32>> |
                                  [[tl_bin(K), tl_bin(V)] || {K, V} <- L]])
          end,
    A = binary_to_term(Enc(Ps)),
    B = binary_to_term(Enc(lists:reverse(Ps))),
    Dup = try binary_to_term(Enc([{1, 1} | Ps])) catch error:E -> E end,
    DupSmall = try binary_to_term(Enc([{1, 1}, {1, 2}])) catch error:E2 -> E2 end,
    {A =:= B, maps:keys(A), A =:= maps:from_list(Ps), Dup, DupSmall}.

tl_bin(T) -> <<131, Rest/binary>> = term_to_binary(T), Rest.

t_printing() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 40)] ++
                           [{<<"bin">>, "str"}, {{1, 2}, [1.5]}, {-5, #{1 => 2}}]),
    {lists:flatten(io_lib:format("~p", [M])), lists:flatten(io_lib:format("~w", [M])),
     lists:flatten(io_lib:format("~P", [M, 6])),
     lists:flatten(io_lib:format("~W", [M, 3])),
     lists:flatten(io_lib:format("~p", [#{k => M, l => [M]}]))}.

t_phash() ->
    Ms = [maps:from_list(pairs(mixed(N))) || N <- [33, 64, 200]],
    [{erlang:phash2(M), erlang:phash2(M, 1000), erlang:phash(M, 1 bsl 32),
      erlang:phash2(maps:to_list(M))} || M <- Ms].

t_literal() ->
    M = #{1 => a, 2 => b, 3 => c, 4 => d, 5 => e, 6 => f, 7 => g, 8 => h, 9 => i, 10 => j,
          11 => k, 12 => l, 13 => m, 14 => n, 15 => o, 16 => p, 17 => q, 18 => r, 19 => s,
          20 => t, 21 => u, 22 => v, 23 => w, 24 => x, 25 => y, 26 => z, 27 => aa, 28 => ab,
          29 => ac, 30 => ad, 31 => ae, 32 => af, 33 => ag, 34 => ah, <<"b">> => bin},
    #{34 := X, <<"b">> := Y, 1 := Z} = M,
    {maps:to_list(M), X, Y, Z, M#{35 => new}, case M of #{99 := _} -> yes; #{} -> no end}.

t_guards() ->
    M = maps:from_list([{I, I * 2} || I <- lists:seq(1, 100)]),
    G = fun(Map, K) when is_map_key(K, Map), map_get(K, Map) > 100, map_size(Map) > 32 -> big;
           (Map, K) when is_map_key(K, Map) -> small;
           (_, _) -> none
        end,
    {G(M, 60), G(M, 10), G(M, 1000), G(#{1 => 500}, 1), is_map(M), map_size(M),
     catch map_get(1000, M), catch maps:get(1000, M), maps:find(1000, M), maps:find(100, M)}.

%% Atom keys hash by the atom table index (not portable): only what does not depend on the
%% order is compared, and the relative order of the other keys.
t_atom_keys() ->
    Atoms = [list_to_atom("key_" ++ integer_to_list(I)) || I <- lists:seq(1, 40)],
    M = maps:from_list([{A, 1} || A <- Atoms] ++ [{I, I} || I <- lists:seq(1, 40)]),
    {map_size(M), lists:sort(maps:to_list(M)), [K || K <- maps:keys(M), not is_atom(K)],
     maps:get(key_7, M), maps:remove(key_1, M) =:= maps:without([key_1], M),
     binary_to_term(term_to_binary(M)) =:= M, erlang:phash2(M)}.

t_nested() ->
    Inner = maps:from_list([{I, I} || I <- lists:seq(1, 40)]),
    Keys = [Inner, maps:remove(1, Inner), #{1 => Inner}, [Inner], {Inner}],
    M = maps:from_list([{K, x} || K <- Keys] ++ [{I, I} || I <- lists:seq(1, 30)]),
    {maps:keys(M), maps:get(maps:put(1, 1, maps:remove(1, Inner)), M), digest(M)}.

t_take() ->
    M = maps:from_list([{I, I} || I <- lists:seq(1, 33)]),
    {V, M2} = maps:take(7, M),
    {V, maps:to_list(M2), maps:take(99, M), element(2, maps:take(8, M2))}.

t_from_keys() ->
    M = maps:from_keys(mixed(50), 0),
    {maps:keys(M), maps:from_keys([], x), maps:keys(maps:from_keys(lists:seq(40, 1, -1), y))}.

%% Large maps in ETS objects and match specifications (patterns and bodies). A body variable
%% bound to a large map is left out: erl 25.2.3 itself builds a broken term then
%% ("size_object: bad tag").
t_ets_match_spec() ->
    T = ets:new(t, [set]),
    Big = maps:from_list([{I, I} || I <- lists:seq(1, 40)]),
    true = ets:insert(T, [{1, Big}, {2, maps:put(7, seven, Big)}, {3, #{7 => x}},
                          {4, <<"b">>}]),
    Pat = maps:from_list([{I, '_'} || I <- lists:seq(1, 35)]),
    Body = maps:from_list([{I, I} || I <- lists:seq(100, 140)]),
    R1 = lists:sort(ets:select(T, [{{'$1', Pat#{7 => '$2'}}, [], [{{'$1', '$2'}}]}])),
    R2 = ets:select(T, [{{'$2', '$1'}, [{is_binary, '$1'}], [Body#{0 => '$1', 1 => {{'$2'}}}]}]),
    R3 = ets:select(T, [{{'$1', #{7 => '$2'}}, [{'==', '$2', x}], ['$1']}]),
    [{1, Got}] = ets:lookup(T, 1),
    ets:delete(T),
    {R1, [maps:to_list(M) || M <- R2], R3, Got =:= Big, maps:keys(Got)}.

%% A large map copied into another process's heap and back keeps its pairs and order.
t_message() ->
    M = maps:from_list(pairs(mixed(300))),
    Self = self(),
    Pid = spawn(fun() ->
                        receive {map, X} -> Self ! {back, X, maps:keys(X), maps:put(new, 1, X)} end
                end),
    Pid ! {map, M},
    receive
        {back, Y, Keys, Z} ->
            {Y =:= M, Keys =:= maps:keys(M), maps:keys(Y) =:= maps:keys(M), digest(Y),
             map_size(Z), maps:remove(new, Z) =:= M}
    after 5000 -> timeout
    end.

%% 1500 pseudo-random puts, removals, updates, merges, filters and ETF round trips over keys
%% of several kinds (with colliding integers); every result's pairs in to_list and iterator
%% order and its external form are folded into one digest, with the sizes reached.
t_random_ops() ->
    {Digest, Sizes} = ops(1500, 42, #{}, [], erlang:md5_init(), []),
    {erlang:md5_final(Digest), lists:max(Sizes), lists:sum(Sizes)}.

lcg(S) -> (S * 6364136223846793005 + 1442695040888963407) band 16#FFFFFFFFFFFFFFFF.

op_key(S) ->
    {A, B} = lists:nth(1 + (S bsr 30) rem 8, collisions()),
    case (S bsr 20) rem 7 of
        0 -> (S bsr 30) rem 300;
        1 -> <<((S bsr 30) rem 200):24>>;
        2 -> {(S bsr 30) rem 50, [7]};
        3 -> ((S bsr 30) rem 100) / 4;
        4 -> case (S bsr 40) rem 2 of 0 -> A; 1 -> B end;
        5 -> [(S bsr 30) rem 40 | 7];
        6 -> -((S bsr 30) rem 1000) - (1 bsl 62)
    end.

ops(0, _, _, _, Ctx, Sizes) ->
    {Ctx, Sizes};
ops(N, S0, M, Saved, Ctx, Sizes) ->
    S1 = lcg(S0), S2 = lcg(S1), S3 = lcg(S2),
    K = op_key(S2), K2 = op_key(S3),
    Many = fun(Max) -> [{op_key(lcg(S3 + I)), I} || I <- lists:seq(1, (S3 bsr 40) rem Max)] end,
    M2 = case (S1 bsr 33) rem 14 of
             0 -> maps:remove(K, M);
             1 -> maps:remove(K2, maps:remove(K, M));
             2 -> M#{K => N, K2 => N + 1};
             3 -> try M#{K := upd} catch error:{badkey, _} -> M end;
             4 -> maps:merge(M, maps:from_list(Many(40)));
             5 -> maps:merge(maps:from_list(Many(60)), M);
             6 -> maps:from_list(maps:to_list(M));
             7 -> maps:filter(fun(_, V) -> is_integer(V) andalso V rem 3 =/= 0 end, M);
             8 -> case Saved of [] -> M; [H | _] -> maps:merge(H, M) end;
             9 -> binary_to_term(term_to_binary(M));
             10 -> maps:without([op_key(lcg(S3 + I)) || I <- lists:seq(1, 10)], M);
             11 -> maps:with([op_key(lcg(S3 + I)) || I <- lists:seq(1, 200)], M);
             _ -> maps:put(K, N, M)
         end,
    First = case maps:next(maps:iterator(M2)) of none -> none; {IK, IV, _} -> {IK, IV} end,
    Ctx2 = erlang:md5_update(Ctx, term_to_binary({maps:to_list(M2), First, M2,
                                                  maps:fold(fun(FK, _, A) -> [FK | A] end,
                                                            [], M2)})),
    Saved2 = case N rem 50 of 0 -> [M2 | Saved]; _ -> Saved end,
    ops(N - 1, S3, M2, Saved2, Ctx2, [map_size(M2) | Sizes]).
