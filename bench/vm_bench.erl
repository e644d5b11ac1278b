%% vm_bench: CPU-bound kernels timed inside the VM, for bench/vm.sh (the same module on zvm and on
%% stock erl). Prints one line per kernel: "BENCH name microseconds result-check".
%%   -run vm_bench main            all kernels
%%   -run vm_bench boot            zvm only: nanoseconds from the platform's start to here
-module(vm_bench).
-export([main/0, boot/0]).

boot() ->
    erlang:display_string("BOOT " ++ integer_to_list(zvm:boot_ns()) ++ "\n"),
    erlang:halt(0).

main() ->
    run(nrev, fun() -> nrev_loop(2000, lists:seq(1, 300), 0) end),
    run(fib, fun() -> fib(27) end),
    run(bignum, fun() -> bignum(2500) end),
    run(binary, fun() -> binary_loop(300, 0) end),
    run(smallmap, fun() -> smallmap(200000, #{a => 0, b => 1, c => 2, d => 3, e => 4}, 0) end),
    run(bigmap, fun() -> bigmap(20000) end),
    run(biglive, fun() -> fresh(fun() -> biglive(1000000, 400) end) end),
    erlang:halt(0).

run(Name, F) ->
    F(), % warm up: loads the code the kernel needs
    T0 = erlang:monotonic_time(microsecond),
    R = F(),
    T1 = erlang:monotonic_time(microsecond),
    erlang:display_string("BENCH " ++ atom_to_list(Name) ++ " " ++ integer_to_list(T1 - T0) ++
                          " " ++ integer_to_list(R) ++ "\n").

%% Naive reverse: quadratic list building.
nrev([]) -> [];
nrev([H | T]) -> app(nrev(T), [H]).
app([], L) -> L;
app([H | T], L) -> [H | app(T, L)].
nrev_loop(0, _, Acc) -> Acc;
nrev_loop(N, L, Acc) -> nrev_loop(N - 1, L, Acc + hd(nrev(L))).

fib(N) when N < 2 -> N;
fib(N) -> fib(N - 1) + fib(N - 2).

%% Factorials and their digit sums: big multiplication and division.
bignum(N) -> digits(fact(N, 1), 0).
fact(0, A) -> A;
fact(N, A) -> fact(N - 1, A * N).
digits(0, S) -> S;
digits(X, S) -> digits(X div 1000000000, S + X rem 1000000000).

%% Builds a 64 KB binary segment by segment, then parses it back.
binary_loop(0, Acc) -> Acc;
binary_loop(N, Acc) ->
    B = build(0, <<>>),
    binary_loop(N - 1, Acc + parse(B, 0)).
build(16384, B) -> B;
build(I, B) -> build(I + 1, <<B/binary, I:16, (I band 255):8, 0:8>>).
parse(<<X:16, Y:8, _:8, Rest/binary>>, S) -> parse(Rest, S + X + Y);
parse(<<>>, S) -> S.

%% Small (flat) maps: record-like updates and matches, the common case.
smallmap(0, _, Acc) -> Acc;
smallmap(N, #{a := A, c := C} = M, Acc) ->
    M1 = M#{a := A + 1, e => N},
    smallmap(N - 1, M1#{c := C + 1}, Acc + maps:get(b, M1)).

%% Large (hashed) maps: inserts one by one, lookups, removal of half, a fold.
bigmap(N) ->
    M = lists:foldl(fun(I, Acc) -> Acc#{I => I * I} end, #{}, lists:seq(1, N)),
    S = lists:foldl(fun(I, Acc) -> Acc + maps:get(I, M) end, 0, lists:seq(1, N, 3)),
    M2 = lists:foldl(fun(I, Acc) -> maps:remove(I, Acc) end, M, lists:seq(1, N, 2)),
    maps:fold(fun(K, V, Acc) -> Acc + K + V end, S, M2) + map_size(M2).

%% F() in a new process: a kernel that measures the collector starts from a fresh heap.
fresh(F) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({result, F()}) end),
    receive {'DOWN', Ref, process, Pid, {result, R}} -> R end.

%% A large long-lived heap: a 1M-element list stays live while short-lived garbage is made
%% (what a generational collector is for: the list is copied again by every full collection).
biglive(N, Rounds) ->
    Big = lists:seq(1, N),
    S = churn(Rounds, 0),
    S + lists:sum(Big).
churn(0, Acc) -> Acc;
churn(R, Acc) -> churn(R - 1, Acc + sum_pairs([{X, X + 1} || X <- lists:seq(1, 5000)], 0)).
sum_pairs([], S) -> S;
sum_pairs([{A, B} | T], S) -> sum_pairs(T, S + A + B).
