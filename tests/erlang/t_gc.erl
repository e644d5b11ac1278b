%% The generational collector seen from Erlang: data that lives through many minor and major
%% collections (lists, tuples, maps, floats, bignums, refc and heap binaries, the process
%% dictionary, messages, setelement chains, hibernate), and OTP's GC controls (min_heap_size,
%% fullsweep_after, garbage_collect/0,1, process_info's heap fields) where their values are the
%% same on every VM. Each case returns the same value on zvm and on stock erl.
-module(t_gc).
-export([t_min_heap_flag/0, t_spawn_opt_gc/0, t_garbage_collect_resets_minor/0,
         t_long_lived_list/0, t_mixed_terms_survive/0, t_refc_binaries_survive/0,
         t_dictionary_survives/0, t_setelement_chain/0, t_messages_survive/0,
         t_gc_other_process/0, t_hibernate_big_state/0, t_fullsweep_zero/0,
         t_append_across_collections/0, t_deep_stack_roots/0]).
-export([wake/2]).

%% Only the fields both VMs report (zvm has no max_heap_size item).
gc_fields(Pid) ->
    {garbage_collection, L} = process_info(Pid, garbage_collection),
    [{K, proplists:get_value(K, L)} || K <- [min_heap_size, fullsweep_after, min_bin_vheap_size]].

t_min_heap_flag() ->
    A = process_flag(min_heap_size, 1000),
    B = process_flag(min_heap_size, 5000),
    C = process_flag(min_heap_size, 233),
    {A, B, C, process_info(self(), min_heap_size)}.

t_spawn_opt_gc() ->
    P = spawn_opt(fun() -> receive stop -> ok end end, [{min_heap_size, 5000}, {fullsweep_after, 3}]),
    R = {process_info(P, heap_size), process_info(P, min_heap_size), gc_fields(P)},
    P ! stop,
    R.

t_garbage_collect_resets_minor() ->
    _ = [X * 2 || X <- lists:seq(1, 100000)],
    T = erlang:garbage_collect(),
    {garbage_collection, L} = process_info(self(), garbage_collection),
    {T, proplists:get_value(minor_gcs, L), erlang:garbage_collect(self())}.

churn(0, Acc) -> Acc;
churn(N, Acc) -> churn(N - 1, Acc + length([{X} || X <- lists:seq(1, 2000)])).

t_long_lived_list() ->
    Big = [{I, I * I} || I <- lists:seq(1, 50000)],
    C1 = churn(100, 0),
    true = erlang:garbage_collect(),
    C2 = churn(50, 0),
    {C1 + C2, lists:sum([B - A || {A, B} <- Big])}.

t_mixed_terms_survive() ->
    Terms = [{I, float(I) / 3, 1 bsl (70 + I rem 5), #{I => [I], k => <<I:32>>},
              integer_to_list(I), list_to_binary(lists:duplicate(I rem 100, $x))}
             || I <- lists:seq(1, 4000)],
    H1 = erlang:phash2(Terms),
    _ = churn(60, 0),
    H2 = erlang:phash2(Terms),
    true = erlang:garbage_collect(),
    _ = churn(50, 0),
    {H1 =:= H2, H2 =:= erlang:phash2(Terms), length(Terms)}.

t_refc_binaries_survive() ->
    Bins = [list_to_binary(lists:duplicate(200 + I rem 50, I rem 256)) || I <- lists:seq(1, 1000)],
    Garbage = fun G(0) -> ok; G(N) -> _ = binary:copy(<<N:64>>, 100), G(N - 1) end,
    Garbage(5000),
    _ = churn(50, 0),
    Sum1 = lists:sum([byte_size(B) + binary:first(B) || B <- Bins]),
    true = erlang:garbage_collect(),
    Garbage(5000),
    {Sum1, lists:sum([byte_size(B) + binary:last(B) || B <- Bins])}.

t_dictionary_survives() ->
    [put({key, I}, {value, I, lists:seq(1, I rem 10)}) || I <- lists:seq(1, 600)],
    _ = churn(40, 0),
    [put({key, I}, {new, I}) || I <- lists:seq(1, 600, 7)],
    _ = churn(40, 0),
    R = lists:sum([case get({key, I}) of {value, I, L} -> length(L); {new, I} -> 100 end
                   || I <- lists:seq(1, 600)]),
    [erase({key, I}) || I <- lists:seq(1, 600)],
    R.

-record(acc, {a = 0, b = [], c = 0.0, d = <<>>, e = none}).
t_setelement_chain() ->
    R = lists:foldl(fun(I, Acc = #acc{a = A, b = B, c = C}) ->
                            Acc#acc{a = A + I, b = [I | B], c = C + I / 2,
                                    e = {I, lists:seq(1, I rem 5)}}
                    end, #acc{}, lists:seq(1, 30000)),
    {R#acc.a, length(R#acc.b), R#acc.c, R#acc.e}.

t_messages_survive() ->
    Self = self(),
    P = spawn(fun() ->
                      Keep = [receive {m, I, T} -> {I, T} end || I <- lists:seq(1, 2000)],
                      _ = churn(40, 0),
                      Self ! {sum, lists:sum([I + length(T) || {I, T} <- Keep])}
              end),
    [P ! {m, I, lists:seq(1, I rem 20)} || I <- lists:seq(1, 2000)],
    receive {sum, S} -> S after 20000 -> timeout end.

t_gc_other_process() ->
    Self = self(),
    P = spawn(fun() ->
                      State = [{I, integer_to_list(I)} || I <- lists:seq(1, 8000)],
                      _ = churn(30, 0),
                      Self ! ready,
                      receive check -> Self ! {sum, lists:sum([length(S) || {_, S} <- State])} end
              end),
    receive ready -> ok end,
    T = erlang:garbage_collect(P),
    P ! check,
    {T, receive {sum, S} -> S after 20000 -> timeout end}.

t_hibernate_big_state() ->
    Self = self(),
    P = spawn(fun() ->
                      State = [{I, [I, I + 1]} || I <- lists:seq(1, 10000)],
                      _ = churn(20, 0),
                      Self ! ready,
                      erlang:hibernate(?MODULE, wake, [Self, State])
              end),
    receive ready -> ok end,
    receive after 20 -> ok end,
    P ! go,
    receive {woke, M, S} -> {M, S} after 20000 -> timeout end.

wake(Parent, State) ->
    receive M -> Parent ! {woke, M, lists:sum([A + B || {_, [A, B]} <- State])} end.

t_fullsweep_zero() ->
    Self = self(),
    spawn_opt(fun() ->
                      Big = lists:seq(1, 20000),
                      C = churn(20, 0),
                      Self ! {done, C + lists:sum(Big)}
              end, [{fullsweep_after, 0}]),
    receive {done, R} -> R after 20000 -> timeout end.

t_append_across_collections() ->
    B = lists:foldl(fun(I, Acc) ->
                            _ = [X || X <- lists:seq(1, I rem 50)],
                            <<Acc/binary, I:16>>
                    end, <<>>, lists:seq(1, 10000)),
    {byte_size(B), erlang:phash2(B)}.

%% Non-tail recursion: every frame holds terms, minor collections scan them all.
deep(0) -> [];
deep(N) -> L = [N, {N}], R = deep(N - 1), _ = [X || X <- lists:seq(1, N rem 7)], [L | R].
t_deep_stack_roots() ->
    D = deep(20000),
    {length(D), lists:sum([N + M || [N, {M}] <- D])}.
