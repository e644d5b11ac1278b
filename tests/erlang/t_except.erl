%% Exceptions: catch, try/catch/after, classes, stack traces, standard error reasons.
-module(t_except).
-export([t_catch/0, t_try_classes/0, t_try_of/0, t_after/0, t_nested/0, t_badmatch/0,
         t_function_clause/0, t_case_clause/0, t_if_clause/0, t_badarith/0, t_badarg/0,
         t_undef/0, t_badfun/0, t_badarity/0, t_rethrow/0, t_stacktrace_shape/0, t_raise/0,
         t_error2/0]).

t_catch() -> {catch throw(x), catch 1 + 1, element(1, catch error(e)), catch exit(bye)}.
t_try_classes() -> [c(fun() -> throw(a) end), c(fun() -> error(b) end), c(fun() -> exit(c) end),
                    c(fun() -> ok end)].
c(F) ->
    try F() of
        V -> {value, V}
    catch
        throw:T -> {thrown, T};
        error:E -> {error, E};
        exit:X -> {exit, X}
    end.
t_try_of() ->
    try 1 + 1 of
        2 -> two;
        _ -> other
    catch
        _:_ -> caught
    end.
t_after() ->
    put(after_ran, false),
    R = (catch try throw(x) after put(after_ran, true) end),
    {R, get(after_ran)}.
t_nested() ->
    try
        try error(inner) catch error:inner -> throw(outer) end
    catch
        throw:outer -> nested_ok
    end.
t_badmatch() -> try {a, _} = id({b, c}) catch error:R -> R end.
t_function_clause() -> try f(id(2)) catch error:R -> R end.
t_case_clause() -> try case id(3) of 1 -> one end catch error:R -> R end.
t_if_clause() -> X = id(1), try if X > 2 -> big end catch error:R -> R end.
t_badarith() -> try id(1) + id(a) catch error:R -> R end.
t_badarg() -> [try element(id(5), {1}) catch error:R -> R end,
               try atom_to_list(id(1)) catch error:R2 -> R2 end,
               try hd(id([])) catch error:R3 -> R3 end].
t_undef() -> try (id(no_such_module)):f() catch error:R:S -> {R, hd(S)} end.
t_badfun() -> try (id(not_a_fun))() catch error:R -> R end.
t_badarity() -> try (id(fun(X) -> X end))(1, 2) catch error:{badarity, _} -> badarity end.
t_rethrow() ->
    try
        try throw(first) catch throw:X:S -> erlang:raise(throw, {again, X}, S) end
    catch
        throw:Y -> Y
    end.
t_stacktrace_shape() ->
    try deep(3)
    catch error:R:S ->
        {R, [{M, F, A} || {M, F, A, _} <- lists:sublist(S, 2)]}
    end.
t_raise() -> try erlang:raise(error, made_up, []) catch error:E:S -> {E, S} end.
t_error2() -> try erlang:error(why, [1, 2]) catch error:E:S -> [{M, F, A, _} | _] = S, {E, M, F, A} end.

deep(0) -> error(bottom);
deep(N) -> [deep(N - 1)].
f(1) -> one.
id(X) -> X.
