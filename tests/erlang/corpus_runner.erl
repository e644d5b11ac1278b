%% corpus_runner: runs the test cases of corpus modules and prints one line per case, so the same
%% runner's output on zvm and on stock erl can be compared line by line.
%%   erl|zvm -noshell -pa DIR -run corpus_runner main MODULE...
%% A case is an exported function of arity 0 whose name starts with "t_". Each line is
%%   CASE Module:Function RESULT
%% where RESULT is {ok, Value} or {Class, Reason} printed by fmt/1 below (a canonical ~w-like
%% printer written here so both VMs format with the same code). Written to standard error with
%% erlang:display_string/1, which both VMs have without an io server. Halts when done.
-module(corpus_runner).
-export([main/1, fmt/1]).

main(Modules) ->
    run_modules(Modules),
    erlang:halt(0).

run_modules([]) ->
    ok;
run_modules([Name | Rest]) ->
    M = list_to_atom(Name),
    Cases = [F || {F, 0} <- M:module_info(exports), is_case(atom_to_list(F))],
    run_cases(M, Cases),
    run_modules(Rest).

is_case([$t, $_ | _]) -> true;
is_case(_) -> false.

run_cases(_M, []) ->
    ok;
run_cases(M, [F | Rest]) ->
    Result = try M:F() of
                 V -> {ok, V}
             catch
                 C:R -> {C, R}
             end,
    Line = "CASE " ++ atom_to_list(M) ++ ":" ++ atom_to_list(F) ++ " " ++ fmt(clean(Result)) ++ "\n",
    erlang:display_string(Line),
    run_cases(M, Rest).

%% Stack traces end where the runner called the case: frames below it (the runner, the VM's
%% own init) differ between VMs by design, so they are cut.
clean([{corpus_runner, _, _, _} | _]) -> ['...'];
clean([H | T]) -> [clean(H) | clean(T)];
clean(T) when is_tuple(T) -> list_to_tuple(clean(tuple_to_list(T)));
clean(T) -> T.

fmt(T) when is_integer(T) -> integer_to_list(T);
fmt(T) when is_float(T) -> float_to_list(T, [short]);
fmt(T) when is_atom(T) -> "'" ++ atom_to_list(T) ++ "'";
fmt([]) -> "[]";
fmt(T) when is_list(T) -> "[" ++ fmt_list(T) ++ "]";
fmt(T) when is_tuple(T) -> "{" ++ fmt_elems(tuple_to_list(T)) ++ "}";
fmt(T) when is_map(T) -> "#{" ++ fmt_pairs(lists:sort(maps:to_list(T))) ++ "}";
fmt(T) when is_binary(T) -> "<<" ++ fmt_elems(binary_to_list(T)) ++ ">>";
fmt(T) when is_bitstring(T) -> "<<" ++ fmt_elems(bitstring_to_list(T)) ++ ">>";
fmt(T) when is_function(T) -> "fun";
fmt(T) when is_pid(T) -> "pid";
fmt(T) when is_reference(T) -> "ref";
fmt(_) -> "?".

fmt_list([H | T]) when is_list(T), T =/= [] -> fmt(H) ++ "," ++ fmt_list(T);
fmt_list([H]) -> fmt(H);
fmt_list([H | T]) -> fmt(H) ++ "|" ++ fmt(T).

fmt_elems([]) -> "";
fmt_elems([H]) -> fmt_elem(H);
fmt_elems([H | T]) -> fmt_elem(H) ++ "," ++ fmt_elems(T).

fmt_elem(B) when is_bitstring(B), not is_binary(B) ->
    "<" ++ integer_to_list(bit_size(B)) ++ " bits>";
fmt_elem(T) -> fmt(T).

fmt_pairs([]) -> "";
fmt_pairs([{K, V}]) -> fmt(K) ++ "=>" ++ fmt(V);
fmt_pairs([{K, V} | T]) -> fmt(K) ++ "=>" ++ fmt(V) ++ "," ++ fmt_pairs(T).
