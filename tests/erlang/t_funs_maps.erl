%% Funs (closures, external funs, higher order) and maps.
-module(t_funs_maps).
-export([t_closures/0, t_fun_info/0, t_map_build/0, t_map_match/0, t_map_update/0,
         t_maps_module/0, t_map_order/0, t_big_map/0]).

t_closures() ->
    A = 10,
    Add = fun(X) -> X + A end,
    Compose = fun(F, G) -> fun(X) -> F(G(X)) end end,
    Twice = Compose(Add, Add),
    Fact = fun Fact(0) -> 1; Fact(N) -> N * Fact(N - 1) end,
    {Add(1), Twice(1), Fact(10), lists:map(fun erlang:abs/1, [-1, 2]),
     is_function(Add, 1), is_function(Add, 2)}.
t_fun_info() -> {erlang:fun_info(fun lists:sum/1, arity), erlang:fun_info(fun(_, _) -> ok end, arity)}.
t_map_build() ->
    M = #{a => 1, b => 2},
    {M, map_size(M), M#{c => 3}, maps:get(a, M), #{}}.
t_map_match() ->
    M = #{name => "x", age => 3},
    #{name := N} = M,
    F = fun(#{age := A}) when A > 2 -> old; (_) -> young end,
    {N, F(M), F(#{age => 1}), F(#{})}.
t_map_update() ->
    M = #{a => 1},
    {M#{a := 2}, try M#{b := 1} catch error:R -> R end, M#{a => 3, b => 4}}.
t_maps_module() ->
    M = maps:from_list([{x, 1}, {y, 2}, {z, 3}]),
    {maps:keys(M), maps:values(M), maps:find(y, M), maps:find(w, M), maps:is_key(x, M),
     maps:remove(x, M), maps:put(w, 0, M), maps:to_list(maps:map(fun(_, V) -> V * 2 end, M)),
     maps:fold(fun(_, V, Acc) -> V + Acc end, 0, M), maps:merge(M, #{x => 9}),
     maps:get(q, M, default), maps:size(M), maps:update_with(x, fun(V) -> V + 1 end, M)}.
t_map_order() -> lists:sort([#{a => 1}, #{a => 1, b => 1}, #{b => 0}, #{1 => x}, #{1.0 => x}]).
t_big_map() ->
    M = maps:from_list([{I, I * I} || I <- lists:seq(1, 100)]),
    {map_size(M), maps:get(50, M), lists:sum(maps:values(M))}.
