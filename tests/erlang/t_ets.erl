%% t_ets: ETS tables of every type, every BIF the ets module has (through the stock ets module
%% for foldl/foldr/tab2list/match_delete), match specifications and their errors, many objects
%% and refc binaries. Results of set and bag tables are sorted where their order is a hash order
%% (zvm's differs from erl's by design); ordered_set order is compared as is.
%% Each case deletes the tables it makes, so named tables never leak between cases.
-module(t_ets).
-export([t_new_options/0, t_new_errors/0, t_set_basic/0, t_insert_atomic/0, t_insert_new/0,
         t_ordered_set_order/0, t_number_keys/0, t_bag/0, t_duplicate_bag/0,
         t_lookup_element/0, t_take/0, t_update_counter/0, t_update_counter_errors/0,
         t_update_element/0, t_traversal/0, t_hash_traversal/0, t_fold/0, t_match/0,
         t_match_object/0, t_select_guards/0, t_select_bodies/0, t_select_chunks/0,
         t_select_chunks_set/0, t_select_reverse/0, t_select_count_delete/0,
         t_select_replace/0, t_bad_match_specs/0, t_many_set/0, t_many_ordered/0,
         t_many_bag/0, t_refc_binaries/0, t_stored_terms/0, t_deleted_table/0,
         t_named_tables/0, t_all/0, t_give_away/0, t_safe_fixtable/0, t_delete_all/0,
         t_keypos/0, t_heir_setopts/0, t_slot/0, t_info_errors/0, t_key_lookups/0,
         t_access_between_processes/0, t_give_away_process/0, t_large_updates/0]).

-define(INFO_ITEMS, [type, keypos, protection, named_table, name, size, heir, compressed,
                     read_concurrency, write_concurrency, decentralized_counters, node]).

infos(T) -> [{I, ets:info(T, I)} || I <- ?INFO_ITEMS].

try_(F) ->
    try F() of
        V -> {ok, V}
    catch
        C:R -> {C, R}
    end.

t_new_options() ->
    Opts = [[], [set], [ordered_set], [bag], [duplicate_bag], [public], [private],
            [protected, {keypos, 3}], [compressed], [{read_concurrency, true}],
            [{write_concurrency, true}], [{decentralized_counters, true}], [{heir, none}],
            [{write_concurrency, true}, {decentralized_counters, true}],
            [ordered_set, {write_concurrency, true}], [bag, {write_concurrency, auto}],
            [ordered_set, {write_concurrency, true}, {decentralized_counters, false}],
            [bag, set], [set, bag], [ordered_set, bag], [bag, duplicate_bag],
            [duplicate_bag, ordered_set], [public, private], [ordered_set, public, {keypos, 2}, compressed]],
    [begin
         T = ets:new(t_ets_opts, O),
         R = {is_reference(T), infos(T), is_integer(ets:info(T, memory)),
              ets:info(T, owner) =:= self(), ets:info(T, id) =:= T,
              lists:sort([K || {K, _} <- ets:info(T)])},
         true = ets:delete(T),
         R
     end || O <- Opts]
    ++ [begin
            N = ets:new(t_ets_named, [named_table]),
            R1 = {N, ets:info(N, named_table), ets:whereis(t_ets_named) =:= ets:info(N, id),
                 is_reference(ets:info(N, id))},
            ets:delete(N),
            R1
        end].

t_new_errors() ->
    N = ets:new(t_ets_dup, [named_table]),
    R = [try_(fun() -> ets:new(x, O) end)
         || O <- [[{keypos, 0}], [{keypos, -1}], [{keypos, a}], [foo], [{foo, bar}],
                  [set | bag], bad, [{heir, self()}], [{heir, 1, 2}],
                  [{read_concurrency, maybe}]]]
        ++ [try_(fun() -> ets:new("x", []) end), try_(fun() -> ets:new(1, []) end),
            try_(fun() -> ets:new(t_ets_dup, [named_table]) end)],
    ets:delete(N),
    R.

t_set_basic() ->
    T = ets:new(x, []),
    R = [ets:insert(T, {a, 1}), ets:lookup(T, a), ets:insert(T, {a, 2, extra}),
         ets:lookup(T, a), ets:member(T, a), ets:member(T, b), ets:lookup(T, b),
         ets:insert(T, [{b, 1}, {c, 2}, {b, 3}]), ets:lookup(T, b), ets:info(T, size),
         ets:delete(T, b), ets:delete(T, nokey), ets:lookup(T, b), ets:info(T, size),
         ets:insert(T, []), ets:insert(T, {{tuple, key}, [list]}), ets:lookup(T, {tuple, key}),
         lists:sort(ets:tab2list(T))],
    ets:delete(T),
    R.

t_insert_atomic() ->
    T = ets:new(x, [{keypos, 2}]),
    R = [try_(fun() -> ets:insert(T, [{a, 1}, {b, 2}, {c}]) end),
         ets:info(T, size),
         try_(fun() -> ets:insert(T, [{a, 1} | {b, 2}]) end),
         try_(fun() -> ets:insert(T, {a}) end),
         try_(fun() -> ets:insert(T, a) end),
         try_(fun() -> ets:insert(T, [a]) end),
         ets:info(T, size), ets:insert(T, [{a, 1}, {b, 2}]), lists:sort(ets:tab2list(T))],
    ets:delete(T),
    R.

t_insert_new() ->
    T = ets:new(x, []),
    B = ets:new(y, [bag]),
    R = [ets:insert_new(T, {1, a}), ets:insert_new(T, {1, b}), ets:lookup(T, 1),
         ets:insert_new(T, [{2}, {3}]), ets:insert_new(T, [{4}, {2}]), ets:member(T, 4),
         ets:insert_new(T, [{5}, {5, x}]), ets:lookup(T, 5),
         try_(fun() -> ets:insert_new(T, [{6}, x]) end), ets:member(T, 6),
         ets:insert_new(B, {k, 1}), ets:insert_new(B, {k, 2}), ets:lookup(B, k)],
    ets:delete(T),
    ets:delete(B),
    R.

keys_in_order(T) -> keys_in_order(T, ets:first(T)).
keys_in_order(_, '$end_of_table') -> [];
keys_in_order(T, K) -> [K | keys_in_order(T, ets:next(T, K))].

keys_reversed(T) -> keys_reversed(T, ets:last(T)).
keys_reversed(_, '$end_of_table') -> [];
keys_reversed(T, K) -> [K | keys_reversed(T, ets:prev(T, K))].

mixed_keys() ->
    [3, -7, 1 bsl 70, -(1 bsl 65), 2.5, atom, zebra, '', {}, {a, b}, {a}, [], [1, 2], "abc",
     <<>>, <<"bin">>, <<1:3>>, #{}, #{a => 1}, make_ref(), self(), fun lists:sort/1].

t_ordered_set_order() ->
    T = ets:new(x, [ordered_set]),
    Keys = mixed_keys(),
    [ets:insert(T, {K, n}) || K <- lists:reverse(Keys)],
    R = [keys_in_order(T) =:= lists:sort(Keys), keys_reversed(T) =:= lists:reverse(lists:sort(Keys)),
         [K || {K, _} <- ets:tab2list(T)] =:= lists:sort(Keys),
         ets:first(T), ets:last(T), ets:next(T, atom), ets:prev(T, atom),
         ets:next(T, 0), ets:prev(T, 0), ets:next(T, 2.6), ets:next(T, b),
         ets:next(T, <<"bin">>), ets:prev(T, -1000), ets:info(T, size)],
    ets:delete(T),
    R.

t_number_keys() ->
    O = ets:new(x, [ordered_set]),
    S = ets:new(y, [set]),
    [ets:insert(X, [{1, int}, {1.0, float}, {2.0, float2}]) || X <- [O, S]],
    R = [ets:tab2list(O), lists:sort(ets:tab2list(S)), ets:lookup(O, 1), ets:lookup(O, 2),
         ets:lookup(S, 1), ets:lookup(S, 1.0), ets:lookup(S, 2), ets:member(O, 2),
         ets:member(S, 2), ets:match(O, {1, '$1'}), ets:match(O, {1.0, '$1'}),
         ets:select(O, [{{2, '$1'}, [], ['$1']}]), ets:select(O, [{{2.0, '$1'}, [], ['$1']}]),
         ets:delete(O, 2), ets:tab2list(O), ets:next(O, 1), ets:prev(O, 1.5)],
    ets:delete(O),
    ets:delete(S),
    R.

t_bag() ->
    T = ets:new(x, [bag]),
    ets:insert(T, [{a, 1}, {a, 2}, {b, 1}, {a, 1}, {a, 1.0}, {a, 3}]),
    U = ets:new(y, [bag]),
    [ets:insert(U, O) || O <- [{a, 1}, {a, 2}, {a, 3}, {a, 1}]],
    ets:insert(U, [{a, 4}, {a, 5}, {a, 1}]),
    R0 = ets:lookup(U, a),
    ets:delete(U),
    R = [R0, ets:lookup(T, a), ets:lookup(T, b), ets:info(T, size),
         ets:delete_object(T, {a, 2}), ets:lookup(T, a),
         ets:delete_object(T, {a, 1.0}), ets:lookup(T, a),
         ets:delete_object(T, {a, 99}), ets:info(T, size),
         ets:lookup_element(T, a, 2), ets:member(T, a), ets:delete(T, a), ets:lookup(T, a),
         ets:info(T, size), ets:insert(T, {b, 1}), ets:lookup(T, b)],
    ets:delete(T),
    R.

t_duplicate_bag() ->
    T = ets:new(x, [duplicate_bag]),
    ets:insert(T, [{a, 1}, {a, 2}, {a, 1}, {b, x}]),
    ets:insert(T, {a, 1}),
    R = [ets:lookup(T, a), ets:info(T, size), ets:delete_object(T, {a, 1}), ets:lookup(T, a),
         lists:sort(ets:tab2list(T)), ets:take(T, a), ets:info(T, size),
         ets:select_count(T, [{'_', [], [true]}])],
    ets:delete(T),
    R.

t_lookup_element() ->
    T = ets:new(x, []),
    B = ets:new(y, [bag]),
    ets:insert(T, {k, 1, [2]}),
    ets:insert(B, [{k, 1}, {k, 2, extra}]),
    R = [ets:lookup_element(T, k, 1), ets:lookup_element(T, k, 3),
         try_(fun() -> ets:lookup_element(T, k, 4) end),
         try_(fun() -> ets:lookup_element(T, k, 0) end),
         try_(fun() -> ets:lookup_element(T, nokey, 1) end),
         ets:lookup_element(B, k, 2), try_(fun() -> ets:lookup_element(B, k, 3) end)],
    ets:delete(T),
    ets:delete(B),
    R.

t_take() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{1, a}, {2, b}]),
    R = [ets:take(T, 1), ets:take(T, 1), ets:tab2list(T), ets:take(T, 2.0), ets:tab2list(T)],
    ets:delete(T),
    R.

t_update_counter() ->
    T = ets:new(x, []),
    O = ets:new(y, [ordered_set, {keypos, 2}]),
    ets:insert(T, {c, 10, 20, 30}),
    ets:insert(O, {0, c, 5}),
    R = [ets:update_counter(T, c, 1), ets:update_counter(T, c, -4),
         ets:update_counter(T, c, {3, 5}), ets:update_counter(T, c, {4, 10, 35, 0}),
         ets:update_counter(T, c, {4, -1, 0, 100}), ets:lookup(T, c),
         ets:update_counter(T, c, [{2, 1}, {2, 1}, {3, -100, -50, -1}]),
         ets:update_counter(T, c, []), ets:lookup(T, c),
         ets:update_counter(T, c, 1 bsl 64), ets:update_counter(T, c, -(1 bsl 64)),
         ets:update_counter(T, c, {3, 1 bsl 80}), ets:lookup(T, c),
         ets:update_counter(T, new, 5, {whatever, 100}), ets:lookup(T, new),
         ets:update_counter(T, new2, [{2, 1}, {3, 2}], {new2, 0, 0}), ets:lookup(T, new2),
         ets:update_counter(O, c, 1), ets:update_counter(O, c, {1, 2}), ets:tab2list(O),
         ets:update_counter(O, d, 7, {0, x, 0}), ets:tab2list(O)],
    ets:delete(T),
    ets:delete(O),
    R.

t_update_counter_errors() ->
    T = ets:new(x, []),
    B = ets:new(y, [bag]),
    ets:insert(T, {c, 1, notint}),
    ets:insert(B, {c, 1}),
    R = [try_(fun() -> ets:update_counter(T, c, {1, 1}) end),
         try_(fun() -> ets:update_counter(T, c, {3, 1}) end),
         try_(fun() -> ets:update_counter(T, c, {4, 1}) end),
         try_(fun() -> ets:update_counter(T, c, {0, 1}) end),
         try_(fun() -> ets:update_counter(T, c, a) end),
         try_(fun() -> ets:update_counter(T, c, 1.5) end),
         try_(fun() -> ets:update_counter(T, c, {2, 1, 2}) end),
         try_(fun() -> ets:update_counter(T, c, [{2, 1}, {3, 1}]) end),
         ets:lookup(T, c),
         try_(fun() -> ets:update_counter(T, missing, 1) end),
         try_(fun() -> ets:update_counter(T, missing, 1, {missing}) end),
         try_(fun() -> ets:update_counter(T, missing, 1, notatuple) end),
         try_(fun() -> ets:update_counter(B, c, 1) end)],
    ets:delete(T),
    ets:delete(B),
    R.

t_update_element() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, {k, 1, 2, 3}),
    R = [ets:update_element(T, k, {2, two}), ets:lookup(T, k),
         ets:update_element(T, k, [{3, "three"}, {4, <<"four">>}, {3, {3}}]), ets:lookup(T, k),
         ets:update_element(T, nokey, {2, x}),
         try_(fun() -> ets:update_element(T, k, {1, newkey}) end),
         try_(fun() -> ets:update_element(T, k, {5, x}) end),
         try_(fun() -> ets:update_element(T, k, [{2, a}, {9, x}]) end),
         try_(fun() -> ets:update_element(T, k, bad) end),
         ets:lookup(T, k)],
    B = ets:new(y, [bag]),
    R2 = try_(fun() -> ets:update_element(B, k, {2, x}) end),
    ets:delete(T),
    ets:delete(B),
    R ++ [R2].

t_traversal() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I} || I <- lists:seq(1, 50, 3)]),
    R = [keys_in_order(T), keys_reversed(T), ets:next(T, 100), ets:prev(T, 1),
         ets:next(T, 2), ets:prev(T, 2), ets:first(T), ets:last(T)],
    E = ets:new(y, [ordered_set]),
    R2 = [ets:first(E), ets:last(E), ets:next(E, 1), ets:prev(E, 1)],
    ets:delete(T),
    ets:delete(E),
    R ++ R2.

t_hash_traversal() ->
    [begin
         T = ets:new(x, [Type]),
         ets:insert(T, [{I rem 37, I} || I <- lists:seq(1, 200)]),
         Ks = keys_in_order(T),
         Rev = keys_reversed(T),
         R = {Type, length(Ks), lists:sort(Ks) =:= lists:usort(Ks), lists:sort(Ks),
              lists:sort(Rev) =:= lists:sort(Ks), try_(fun() -> ets:next(T, nokey) end),
              try_(fun() -> ets:prev(T, nokey) end)},
         ets:delete(T),
         R
     end || Type <- [set, bag, duplicate_bag]]
    ++ [begin
            E = ets:new(x, []),
            R1 = [ets:first(E), ets:last(E)],
            ets:delete(E),
            R1
        end].

t_fold() ->
    O = ets:new(x, [ordered_set]),
    S = ets:new(y, [bag]),
    ets:insert(O, [{I, I * I} || I <- lists:seq(1, 20)]),
    ets:insert(S, [{I rem 3, I} || I <- lists:seq(1, 20)]),
    R = [ets:foldl(fun({K, _}, A) -> [K | A] end, [], O),
         ets:foldr(fun({K, _}, A) -> [K | A] end, [], O),
         ets:foldl(fun({_, V}, A) -> V + A end, 0, O),
         lists:sort(ets:foldl(fun(X, A) -> [X | A] end, [], S)),
         ets:tab2list(O), lists:sort(ets:tab2list(S)),
         ets:match_delete(S, {1, '_'}), lists:sort(ets:tab2list(S))],
    ets:delete(O),
    ets:delete(S),
    R.

match_table() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{1, a, [1, 2]}, {2, b, [3]}, {3, a, []}, {4, {x, y}, "str"},
                   {5, #{k => v, n => 1}, <<"bin">>}, {6, 6, 6}, {7, 1.5, [a | b]},
                   {8, a, [1, 2]}]),
    T.

t_match() ->
    T = match_table(),
    R = [ets:match(T, {'$1', a, '_'}), ets:match(T, {'$1', '$2', '$3'}),
         ets:match(T, {'_', a, '$1'}), ets:match(T, {'$1', '$1', '$1'}),
         ets:match(T, {'$2', '$1', [1 | '$3']}), ets:match(T, {'_', {'$1', y}, '_'}),
         ets:match(T, {'$1', #{k => '$2'}, '_'}), ets:match(T, {'$1', #{}, '_'}),
         ets:match(T, {'_', '_', [a | '$1']}), ets:match(T, {'_', '_'}),
         ets:match(T, '$1'), ets:match(T, '_'), ets:match(T, {'$1', 1.5, '_'}),
         ets:match(T, {'$1', 1, '_'}), ets:match(T, {'$10', '$2', '_'}),
         ets:match(T, {'$1', '$0', []}), ets:match(T, {6, '$1', '$1'}), ets:match(T, 1)],
    ets:delete(T),
    R.

t_match_object() ->
    T = match_table(),
    S = ets:new(y, [bag]),
    ets:insert(S, [{k, 1}, {k, 2}, {j, 1}]),
    R = [ets:match_object(T, {'_', a, '_'}), ets:match_object(T, {'_', '$1', '$1'}),
         ets:match_object(T, {'_', '_', "str"}), ets:match_object(T, '_') =:= ets:tab2list(T),
         lists:sort(ets:match_object(S, {'_', 1})), ets:match_object(S, {k, '_'}),
         ets:match_object(T, {9, '_', '_'})],
    ets:delete(T),
    ets:delete(S),
    R.

t_select_guards() ->
    T = match_table(),
    Guards =
        [{is_atom, '$2'}, {is_integer, '$2'}, {is_float, '$2'}, {is_number, '$2'},
         {is_list, '$3'}, {is_tuple, '$2'}, {is_map, '$2'}, {is_binary, '$3'},
         {is_pid, '$2'}, {is_port, '$2'}, {is_reference, '$2'}, {is_function, '$2'},
         {is_record, '$2', x, 2}, {'>', '$1', 4}, {'<', '$1', 3}, {'>=', '$1', 7},
         {'=<', '$1', 1}, {'==', '$2', 6}, {'/=', '$2', a}, {'=:=', '$2', 1.5},
         {'=/=', '$2', a}, {'==', '$1', 2.0}, {'=:=', '$1', 2.0},
         {'andalso', {is_integer, '$1'}, {'>', '$1', 6}},
         {'orelse', {'==', '$1', 1}, {'==', '$1', 8}},
         {'andalso', {'>', '$1', 1}, {'<', '$1', 5}, {'/=', '$1', 3}},
         {'not', {is_atom, '$2'}}, {'and', {is_atom, '$2'}, {'>', '$1', 2}},
         {'or', {'==', '$1', 2}, {'==', '$1', 3}}, {'xor', {is_atom, '$2'}, {'<', '$1', 3}},
         {'==', {element, 1, '$2'}, x}, {'==', {hd, '$3'}, 1}, {'==', {tl, '$3'}, [2]},
         {'==', {size, '$2'}, 2}, {'==', {map_size, '$2'}, 2},
         {'==', {length, '$3'}, 2}, {'==', {byte_size, '$3'}, 3},
         {'==', {'+', '$1', 1}, 3}, {'==', {'-', '$1', 1}, 3}, {'==', {'*', '$1', 2}, 10},
         {'==', {'div', '$1', 2}, 3}, {'==', {'rem', '$1', 3}, 0}, {'>', {'/', '$1', 2}, 3},
         {'==', {abs, {'-', 0, '$1'}}, 4}, {'==', {'-', '$1'}, -1}, {'==', {'band', '$1', 6}, 6},
         {'==', {'bor', '$1', 1}, 3}, {'==', {'bxor', '$1', 1}, 3}, {'==', {'bsl', '$1', 2}, 8},
         {'==', {'bsr', '$1', 1}, 3}, {'==', {'bnot', '$1'}, -2}, {'==', {float, '$1'}, 3.0},
         {'==', {trunc, '$2'}, 1}, {'==', {round, '$2'}, 2}, {'==', {self}, {const, self()}},
         {'orelse', true}, {'and', true}, {'andalso', true, '$2'},
         {is_map_key, n, '$2'}, {'==', {map_get, n, '$2'}, 1}, {'==', '$2', {const, {x, y}}},
         {'==', '$2', {{x, y}}}, {'==', {node}, nonode@nohost}, {'>', '$2', {'+', 1, 2}},
         {'==', {binary_part, '$3', 0, 1}, <<"b">>}, {'==', {hd, '$2'}, 1}, true, false,
         {'+', '$1', 1}, {element, 1, '$2'}],
    R = [{G, ets:select(T, [{{'$1', '$2', '$3'}, [G], ['$1']}])} || G <- Guards]
        ++ [ets:select(T, [{{'$1', '$2', '_'}, [{is_atom, '$2'}, {'>', '$1', 1}], ['$1']}]),
            ets:select(T, [{{'$1', '_', '_'}, [{'<', '$1', 3}], ['$1']},
                           {{'$1', '_', '_'}, [{'>', '$1', 6}], [{{big, '$1'}}]}])],
    ets:delete(T),
    R.

t_select_bodies() ->
    T = match_table(),
    Bodies =
        ['$_', '$$', '$1', ['$1', '$2'], [['$1' | '$2']], {{'$1', '$2', lit}}, const_atom, 42,
         "string", <<"bin">>, {const, {'$1', '_'}}, #{key => '$1', other => [x]},
         [{'+', '$1', 100}], [{'/', '$1', 0}], [{element, 1, '$2'}], [{hd, '$3'}],
         ['$1', {{'$2'}}], [{self}], [[]], [{{}}], [{'andalso', true, {'>', '$1', 1}}]],
    R = [{B, ets:select(T, [{{'$1', '$2', '$3'}, [{'<', '$1', 4}], to_body(B)}])}
         || B <- Bodies],
    ets:delete(T),
    R.

to_body(B) when is_list(B), B =/= [], not is_integer(hd(B)) -> B;
to_body(B) -> [B].

t_select_chunks() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I, I * 10} || I <- lists:seq(1, 23)]),
    MS = [{{'$1', '$2'}, [{'rem', '$1', 2}], ['$2']}],
    MS2 = [{{'$1', '$2'}, [{'==', {'rem', '$1', 2}, 1}], ['$2']}],
    R = [[chunks(ets:select(T, [{{'$1', '_'}, [], ['$1']}], N)) || N <- [1, 4, 5, 23, 24, 100]],
         chunks(ets:select(T, MS, 3)), chunks(ets:select(T, MS2, 3)),
         chunks(ets:match(T, {'$1', '_'}, 10)), chunks(ets:match_object(T, {'_', 50}, 2)),
         ets:select(T, [{{'$1', '_'}, [{'>', '$1', 100}], ['$1']}], 5),
         ets:match(T, {nokey, '_'}, 5), ets:match_object(T, {nokey, '_'}, 5),
         try_(fun() -> ets:select(T, [{'_', [], [true]}], 0) end),
         try_(fun() -> ets:select(T, [{'_', [], [true]}], a) end),
         try_(fun() -> ets:select(bad_continuation) end),
         ets:select('$end_of_table'), ets:match('$end_of_table'),
         ets:match_object('$end_of_table')],
    %% The table changes between chunks: later chunks see the change.
    {C1, Cont} = ets:select(T, [{{'$1', '_'}, [], ['$1']}], 5),
    ets:delete(T, 6),
    ets:insert(T, {7.5, x}),
    {C2, _} = ets:select(Cont),
    ets:delete(T),
    R ++ [C1, C2, try_(fun() -> ets:select(Cont) end)].

chunks('$end_of_table') -> ['$end_of_table'];
chunks({L, '$end_of_table'}) -> [L, end_in_chunk];
chunks({L, C}) -> [L | chunks(ets:select(C))].

t_select_chunks_set() ->
    [begin
         T = ets:new(x, [Type]),
         ets:insert(T, [{I rem 40, I} || I <- lists:seq(1, 100)]),
         All = lists:sort(ets:select(T, [{{'$1', '$2'}, [], [{{'$1', '$2'}}]}])),
         R = [{N, lists:sort(lists:append(chunk_lists(ets:select(T, [{{'$1', '$2'}, [], [{{'$1', '$2'}}]}], N)))) =:= All,
               lists:all(fun(L) -> length(L) =< N end,
                         chunk_lists(ets:select(T, [{'_', [], ['$_']}], N)))}
              || N <- [1, 3, 7, 40, 99, 100, 101, 1000]],
         M = lists:sort(lists:append(chunk_lists(ets:match(T, {'$1', '_'}, 9)))),
         ets:delete(T),
         {Type, length(All), R, length(M)}
     end || Type <- [set, bag, duplicate_bag]].

chunk_lists('$end_of_table') -> [];
chunk_lists({L, '$end_of_table'}) -> [L];
chunk_lists({L, C}) -> [L | chunk_lists(ets:select(C))].

t_select_reverse() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I} || I <- lists:seq(1, 10)]),
    MS = [{{'$1'}, [{'>', '$1', 2}], ['$1']}],
    R = [ets:select_reverse(T, MS), chunks_rev(ets:select_reverse(T, MS, 3)),
         ets:select_reverse(T, [{{'$1'}, [], ['$1']}], 20)],
    S = ets:new(y, []),
    ets:insert(S, [{I} || I <- lists:seq(1, 10)]),
    R2 = lists:sort(ets:select_reverse(S, MS)),
    ets:delete(T),
    ets:delete(S),
    R ++ [R2].

chunks_rev('$end_of_table') -> ['$end_of_table'];
chunks_rev({L, '$end_of_table'}) -> [L, end_in_chunk];
chunks_rev({L, C}) -> [L | chunks_rev(ets:select_reverse(C))].

t_select_count_delete() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I, I rem 3} || I <- lists:seq(1, 30)]),
    R = [ets:select_count(T, [{{'_', 0}, [], [true]}]),
         ets:select_count(T, [{{'$1', '_'}, [{'>', '$1', 25}], [true]}]),
         ets:select_count(T, [{{'$1', '_'}, [], [false]}]),
         ets:select_count(T, [{{'$1', '_'}, [], ['$1']}]),
         ets:select_delete(T, [{{'_', 0}, [], [true]}]), ets:info(T, size),
         ets:select_delete(T, [{{'$1', '_'}, [{'<', '$1', 10}], [true]}]),
         [K || {K, _} <- ets:tab2list(T)],
         ets:select_delete(T, [{{15, '_'}, [], [true]}]),
         ets:select_delete(T, [{{16, '_'}, [], [true]}]),
         ets:select_delete(T, [{'_', [], [true]}]), ets:info(T, size)],
    B = ets:new(y, [bag]),
    ets:insert(B, [{k, I} || I <- lists:seq(1, 10)]),
    R2 = [ets:select_delete(B, [{{k, '$1'}, [{'>', '$1', 5}], [true]}]), ets:lookup(B, k)],
    ets:delete(T),
    ets:delete(B),
    R ++ R2.

t_select_replace() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I, I} || I <- lists:seq(1, 6)]),
    R = [ets:select_replace(T, [{{'$1', '$2'}, [{'>', '$1', 3}], [{{'$1', {'*', '$2', 10}}}]}]),
         ets:tab2list(T),
         ets:select_replace(T, [{{'$1', '$2'}, [], [{{'$1', '$2', extra}}]}]),
         ets:tab2list(T)],
    B = ets:new(y, [bag]),
    R2 = try_(fun() -> ets:select_replace(B, [{'_', [], ['$_']}]) end),
    ets:delete(T),
    ets:delete(B),
    R ++ [R2].

t_bad_match_specs() ->
    T = ets:new(x, []),
    ets:insert(T, {1, 2}),
    Bad = [not_a_list, [x], [{'_', [], []}], [{'_', [], ['$1']}], [{'_', ['$1'], [true]}],
           [{'_', [{foo, 1}], [true]}], [{'_', [], [{foo, '$_'}]}], [{'_', [], [{1, 2}]}],
           [{'_', notalist, [true]}], [{'_', [], notalist}], [{'_', [], [true]} | x],
           [{'_', [], [true], extra}], [{'_', [{is_atom}], [true]}], [{'_', [], ['_']}],
           [{{'$1'}, [], ['$2']}], [{'_', [{is_boolean, '$_'}], [true]}],
           [{'_', [{tuple_size, '$_'}], [true]}], [{'_', [{is_function, '$_', 1}], [true]}]],
    R = [try_(fun() -> ets:select(T, MS) end) || MS <- Bad]
        ++ [try_(fun() -> ets:select_count(T, hd(Bad)) end),
            try_(fun() -> ets:select_delete(T, [x]) end),
            try_(fun() -> ets:select(T, [x], 10) end), ets:info(T, size)],
    ets:delete(T),
    R.

t_many_set() -> many(set).
t_many_ordered() -> many(ordered_set).
t_many_bag() -> many(bag).

many(Type) ->
    T = ets:new(x, [Type]),
    N = 10000,
    [ets:insert(T, {I, integer_to_list(I), <<I:32>>}) || I <- lists:seq(1, N)],
    Size1 = ets:info(T, size),
    Found = length([I || I <- lists:seq(1, N), match_one(I, ets:lookup(T, I))]),
    [ets:delete(T, I) || I <- lists:seq(1, N, 7)],
    Size2 = ets:info(T, size),
    Missing = [I || I <- lists:seq(1, 100), not ets:member(T, I)],
    [ets:insert(T, {I, again}) || I <- lists:seq(1, N, 2)],
    Sum = ets:foldl(fun({K, _, _}, A) -> A + K; ({K, again}, A) -> A + 2 * K end, 0, T),
    Count = ets:select_count(T, [{{'_', again}, [], [true]}]),
    Deleted = ets:select_delete(T, [{{'$1', '_', '_'}, [{'>', '$1', 5000}], [true]}]),
    Size3 = ets:info(T, size),
    ets:delete_all_objects(T),
    R = {Size1, Found, Size2, Missing, Sum, Count, Deleted, Size3, ets:info(T, size)},
    ets:delete(T),
    R.

t_refc_binaries() ->
    T = ets:new(x, [ordered_set]),
    Big = binary:copy(<<"0123456789">>, 100),
    <<_:10/binary, Sub:500/binary, _/binary>> = Big,
    ets:insert(T, [{big, Big}, {sub, Sub}, {both, [Big, Sub, Big]}, {small, <<"s">>}]),
    [{big, B1}] = ets:lookup(T, big),
    ets:insert(T, {big, replaced}),
    [{sub, S1}] = ets:lookup(T, sub),
    R = [B1 =:= Big, byte_size(B1), S1 =:= Sub, binary:referenced_byte_size(B1),
         ets:lookup(T, both) =:= [{both, [Big, Sub, Big]}], ets:lookup(T, big),
         ets:take(T, sub) =:= [{sub, Sub}], ets:delete(T, both), ets:info(T, size),
         ets:update_element(T, small, {2, Big}), ets:lookup_element(T, small, 2) =:= Big,
         ets:select(T, [{{'$1', '$2'}, [{is_binary, '$2'}], [{byte_size, '$2'}]}])],
    ets:delete(T),
    R ++ [B1 =:= Big, S1 =:= Sub].

t_stored_terms() ->
    T = ets:new(x, []),
    Ref = make_ref(),
    F = fun(X) -> {X, Ref} end,
    Terms = [1 bsl 100, -(1 bsl 70), 3.25, -0.5, "list", [1 | 2], {nested, {deep, [#{a => [b]}]}},
             maps:from_list([{I, I} || I <- lists:seq(1, 40)]), Ref, self(), F,
             fun lists:map/2, <<1:5>>, <<>>, [], {}, <<"x", 7:3>>],
    [ets:insert(T, {I, Term}) || {I, Term} <- lists:zip(lists:seq(1, length(Terms)), Terms)],
    Back = [ets:lookup_element(T, I, 2) || I <- lists:seq(1, length(Terms))],
    F2 = ets:lookup_element(T, 11, 2),
    ets:delete(T),
    [Back =:= Terms, F2(7) =:= {7, Ref}].

t_deleted_table() ->
    T = ets:new(x, []),
    N = ets:new(t_ets_gone, [named_table]),
    ets:insert(T, {1}),
    true = ets:delete(T),
    true = ets:delete(N),
    Ops = [fun() -> ets:lookup(T, 1) end, fun() -> ets:insert(T, {2}) end,
           fun() -> ets:delete(T) end, fun() -> ets:delete(T, 1) end,
           fun() -> ets:first(T) end, fun() -> ets:next(T, 1) end,
           fun() -> ets:member(T, 1) end, fun() -> ets:select(T, [{'_', [], [true]}]) end,
           fun() -> ets:match(T, '_') end, fun() -> ets:update_counter(T, 1, 1) end,
           fun() -> ets:tab2list(T) end, fun() -> ets:lookup(t_ets_gone, 1) end,
           fun() -> ets:insert(t_ets_gone, {1}) end, fun() -> ets:delete(t_ets_gone) end,
           fun() -> ets:foldl(fun(_, A) -> A end, 0, T) end],
    [try_(Op) || Op <- Ops]
        ++ [ets:info(T), ets:info(T, size), ets:info(t_ets_gone), ets:whereis(t_ets_gone)].

t_named_tables() ->
    N = ets:new(t_ets_n1, [named_table, ordered_set]),
    ets:insert(t_ets_n1, {a, 1}),
    Ref = ets:whereis(t_ets_n1),
    R = [N, is_reference(Ref), ets:lookup(Ref, a), ets:lookup(t_ets_n1, a),
         ets:rename(t_ets_n1, t_ets_n2), ets:whereis(t_ets_n1), ets:whereis(t_ets_n2) =:= Ref,
         try_(fun() -> ets:lookup(t_ets_n1, a) end), ets:lookup(t_ets_n2, a),
         ets:info(t_ets_n2, name), try_(fun() -> ets:whereis("n") end)],
    O = ets:new(t_ets_n3, [named_table]),
    R2 = [try_(fun() -> ets:rename(t_ets_n2, t_ets_n3) end),
          try_(fun() -> ets:rename(t_ets_n2, "bad") end)],
    U = ets:new(unnamed, []),
    R3 = [ets:rename(U, new_name) =:= U, ets:info(U, name), ets:whereis(new_name),
          try_(fun() -> ets:lookup(new_name, 1) end)],
    ets:delete(t_ets_n2),
    ets:delete(O),
    ets:delete(U),
    R ++ R2 ++ R3.

t_all() ->
    T = ets:new(x, []),
    N = ets:new(t_ets_all, [named_table]),
    All = ets:all(),
    R = [lists:member(T, All), lists:member(t_ets_all, All)],
    ets:delete(T),
    ets:delete(N),
    All2 = ets:all(),
    R ++ [lists:member(T, All2), lists:member(t_ets_all, All2)].

t_give_away() ->
    T = ets:new(x, []),
    R = [try_(fun() -> ets:give_away(T, self(), gift) end),
         try_(fun() -> ets:give_away(T, notapid, gift) end),
         try_(fun() -> ets:give_away(nosuchtable, self(), gift) end),
         ets:info(T, owner) =:= self()],
    ets:delete(T),
    R.

t_safe_fixtable() ->
    T = ets:new(x, []),
    ets:insert(T, [{1}, {2}]),
    R = [ets:info(T, fixed), ets:safe_fixtable(T, true), ets:info(T, fixed),
         is_tuple(ets:info(T, safe_fixed)), ets:safe_fixtable(T, false), ets:info(T, fixed),
         ets:info(T, safe_fixed), try_(fun() -> ets:safe_fixtable(T, maybe) end)],
    ets:delete(T),
    R.

t_delete_all() ->
    [begin
         T = ets:new(x, [Type]),
         ets:insert(T, [{I, I} || I <- lists:seq(1, 100)]),
         R = [ets:delete_all_objects(T), ets:info(T, size), ets:tab2list(T), ets:first(T),
              ets:insert(T, {1, 1}), ets:tab2list(T)],
         ets:delete(T),
         R
     end || Type <- [set, ordered_set, bag, duplicate_bag]].

t_keypos() ->
    T = ets:new(x, [{keypos, 2}, ordered_set]),
    ets:insert(T, [{a, 3}, {b, 1}, {c, 2}]),
    R = [ets:tab2list(T), ets:lookup(T, 1), ets:first(T),
         try_(fun() -> ets:insert(T, {only_one}) end),
         ets:match(T, {'$1', 2}), ets:select(T, [{{'_', '$1'}, [{'>', '$1', 1}], ['$_']}]),
         try_(fun() -> ets:update_counter(T, 3, {1, 1}) end), ets:update_element(T, 3, {1, z}),
         ets:lookup(T, 3), try_(fun() -> ets:update_element(T, 3, {2, 4}) end)],
    ets:delete(T),
    R.

t_heir_setopts() ->
    T = ets:new(x, [{heir, none}]),
    R = [ets:info(T, heir), ets:setopts(T, {heir, none}), ets:setopts(T, [{heir, none}]),
         ets:setopts(T, {heir, self(), data}) =:= true, ets:info(T, heir) =:= self(),
         ets:setopts(T, {heir, none}), ets:info(T, heir),
         try_(fun() -> ets:setopts(T, {heir, notapid, x}) end),
         try_(fun() -> ets:setopts(T, {protection, public}) end), ets:info(T, protection),
         try_(fun() -> ets:setopts(T, {protection, open}) end),
         try_(fun() -> ets:setopts(T, [{heir, none}, bad]) end)],
    ets:delete(T),
    R.

t_slot() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{I} || I <- [5, 1, 3]]),
    R = [ets:slot(T, 0), ets:slot(T, 1), ets:slot(T, 2), ets:slot(T, 3),
         try_(fun() -> ets:slot(T, 4) end), try_(fun() -> ets:slot(T, -1) end)],
    S = ets:new(y, []),
    ets:insert(S, [{I} || I <- lists:seq(1, 20)]),
    R2 = lists:sort(lists:append(slots(S, 0))),
    ets:delete(T),
    ets:delete(S),
    R ++ [R2].

slots(T, I) ->
    case ets:slot(T, I) of
        '$end_of_table' -> [];
        L -> [L | slots(T, I + 1)]
    end.

t_info_errors() ->
    [try_(fun() -> ets:info(1) end), try_(fun() -> ets:info("x", size) end),
     try_(fun() -> ets:info(no_such_table, size) end), try_(fun() -> ets:info(no_such_table) end),
     begin
         T = ets:new(x, []),
         R = try_(fun() -> ets:info(T, no_such_item) end),
         ets:delete(T),
         R
     end].

t_key_lookups() ->
    T = ets:new(x, [ordered_set]),
    ets:insert(T, [{{k, I}, I} || I <- lists:seq(1, 1000)]),
    R = [ets:select(T, [{{{k, 500}, '$1'}, [], ['$1']}]), ets:match(T, {{k, 7}, '$1'}),
         ets:match_object(T, {{k, 1000}, '_'}), ets:select_count(T, [{{{k, 3}, '_'}, [], [true]}]),
         ets:select(T, [{{{k, '$1'}, '_'}, [{'<', '$1', 4}], ['$1']}]),
         ets:select_delete(T, [{{{k, 9}, '_'}, [], [true]}]), ets:info(T, size)],
    ets:delete(T),
    R.

match_one(I, [{I, _, _}]) -> true;
match_one(_, _) -> false.

%% Another process's view of private, protected and public tables.
t_access_between_processes() ->
    Tabs = [{K, ets:new(x, [K])} || K <- [private, protected, public]],
    [ets:insert(T, {1, K}) || {K, T} <- Tabs],
    Self = self(),
    Pid = spawn(fun() ->
                        R = [{K, try_(fun() -> ets:lookup(T, 1) end),
                              try_(fun() -> ets:insert(T, {2, other}) end),
                              try_(fun() -> lists:sort(ets:select(T, [{'_', [], ['$_']}])) end),
                              try_(fun() -> ets:info(T, size) end),
                              try_(fun() -> ets:give_away(T, Self, x) end),
                              try_(fun() -> ets:setopts(T, {heir, none}) end)}
                             || {K, T} <- Tabs],
                        Self ! {self(), R}
                end),
    R = receive {Pid, Res} -> Res after 5000 -> timeout end,
    Sizes = [ets:info(T, size) || {_, T} <- Tabs],
    [ets:delete(T) || {_, T} <- Tabs],
    {R, Sizes}.

%% give_away/3 to a live process: it gets {'ETS-TRANSFER', Tab, From, Data} and the table.
t_give_away_process() ->
    T = ets:new(x, [protected]),
    ets:insert(T, {1, a}),
    Self = self(),
    Pid = spawn(fun() ->
                        receive
                            {'ETS-TRANSFER', Tab, From, Data} ->
                                Self ! {self(), [Tab =:= T, From =:= Self, Data,
                                                 ets:info(T, owner) =:= self(),
                                                 ets:insert(T, {2, b})]}
                        after 5000 -> Self ! {self(), timeout}
                        end,
                        receive {give_back, To} -> ets:give_away(T, To, back) end,
                        receive stop -> ok end
                end),
    R1 = ets:give_away(T, Pid, gift),
    R2 = receive {Pid, Got} -> Got after 5000 -> timeout end,
    R3 = try_(fun() -> ets:insert(T, {3, c}) end),
    R4 = try_(fun() -> ets:give_away(T, Pid, again) end),
    Pid ! {give_back, self()},
    R5 = receive {'ETS-TRANSFER', T, Pid, back} -> back after 5000 -> timeout end,
    R6 = ets:insert(T, {4, d}),
    Pid ! stop,
    R = [R1, R2, R3, R4, R5, R6, lists:sort(ets:tab2list(T)), ets:info(T, owner) =:= self()],
    ets:delete(T),
    R.

%% Long operation lists and wide objects: nothing of their size goes on the C stack.
t_large_updates() ->
    T = ets:new(x, []),
    Wide = list_to_tuple([k | lists:seq(1, 100000)]),
    ets:insert(T, Wide),
    Ops = [{2, 1} || _ <- lists:seq(1, 100000)],
    R1 = lists:last(ets:update_counter(T, k, Ops)),
    R2 = ets:update_element(T, k, [{I, {I}} || I <- lists:seq(3, 50000)]),
    [Obj] = ets:lookup(T, k),
    R3 = {element(2, Obj), element(3, Obj), element(50000, Obj), element(50001, Obj),
          tuple_size(Obj)},
    R4 = length(ets:select(T, [{'_', [], [{{'$_', '$_'}}]}])),
    ets:delete(T),
    [R1, R2, R3, R4].
