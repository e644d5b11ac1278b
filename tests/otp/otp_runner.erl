%% otp_runner: runs OTP's common_test suites (lib/compiler/test/*_SUITE.erl) without common_test,
%% on zvm and on stock erl, one line per case.
%%   -run otp_runner run SUITE CASE DIR  runs one case (zvm: a fresh VM per case); DIR holds
%%                                       the suites' sources and SUITE_data directories
%%   -run otp_runner_erl run_all SUITE MS   (stock erl only: every case in its own process
%%                                          with a timeout of MS milliseconds)
%% A case passes when Suite:Case(Config) returns anything but {skip, _} (a skip counts as a
%% failure) and raises nothing. Config holds data_dir and priv_dir. init_per_suite is not run
%% (the compiler suites use it to recompile themselves with extra options, which needs the
%% compiler at run time); init_per_group/init_per_testcase are run when exported.
%% Output lines (on standard error, through erlang:display_string/1):
%%   RESULT Suite:Case pass | RESULT Suite:Case fail Reason
-module(otp_runner).
-export([run/1, report/4, run_case/4, cases/1]).

run([SuiteName, CaseName, Dir]) ->
    Suite = list_to_atom(SuiteName),
    Case = list_to_atom(CaseName),
    Groups = case lists:keyfind(Case, 2, cases(Suite)) of
                 {Gs, _} -> Gs;
                 false -> []
             end,
    report(fun out/1, SuiteName, CaseName, run_case(Suite, Groups, Case, Dir)),
    erlang:halt(0).

report(Out, S, C, pass) -> Out("RESULT " ++ S ++ ":" ++ C ++ " pass\n");
report(Out, S, C, {fail, Why}) -> Out("RESULT " ++ S ++ ":" ++ C ++ " fail " ++ short(Why) ++ "\n").

%% A leading newline: the case's own output may have left a line unfinished.
out(Line) -> erlang:display_string("\n" ++ Line).

short(Term) ->
    S = lists:flatten(io_lib:format("~0p", [Term])),
    lists:sublist([C || C <- S, C =/= $\n], 300).

config(Suite, Dir) ->
    [{data_dir, Dir ++ "/" ++ atom_to_list(Suite) ++ "_data/"}, {priv_dir, "/tmp/"}].

run_case(Suite, Groups, Case, Dir) ->
    try
        Config0 = config(Suite, Dir),
        Config1 = lists:foldl(
                    fun(G, C) ->
                            case erlang:function_exported(Suite, init_per_group, 2) of
                                true -> as_config(Suite:init_per_group(G, C), C);
                                false -> C
                            end
                    end, Config0, Groups),
        Config = case erlang:function_exported(Suite, init_per_testcase, 2) of
                     true -> as_config(Suite:init_per_testcase(Case, Config1), Config1);
                     false -> Config1
                 end,
        case Suite:Case(Config) of
            {skip, Why} -> {fail, {skipped, Why}};
            {skipped, Why} -> {fail, {skipped, Why}};
            _ -> pass
        end
    catch
        Class:Reason:Stack -> {fail, {Class, Reason, lists:sublist(Stack, 3)}}
    end.

as_config(C, _) when is_list(C) -> C;
as_config(_, Old) -> Old.

%% [{Groups, Case}] in the order of all/0, groups expanded.
cases(Suite) ->
    {module, Suite} = code:ensure_loaded(Suite),
    Groups = case erlang:function_exported(Suite, groups, 0) of
                 true -> Suite:groups();
                 false -> []
             end,
    expand(Suite:all(), Groups, []).

expand([], _, _) -> [];
expand([{group, G} | T], Groups, Path) -> group(G, Groups, Path) ++ expand(T, Groups, Path);
expand([{group, G, _} | T], Groups, Path) -> group(G, Groups, Path) ++ expand(T, Groups, Path);
expand([{group, G, _, _} | T], Groups, Path) -> group(G, Groups, Path) ++ expand(T, Groups, Path);
expand([{testcase, C, _} | T], Groups, Path) -> [{Path, C} | expand(T, Groups, Path)];
expand([C | T], Groups, Path) when is_atom(C) -> [{Path, C} | expand(T, Groups, Path)];
expand([_ | T], Groups, Path) -> expand(T, Groups, Path).

group(G, Groups, Path) ->
    case lists:keyfind(G, 1, Groups) of
        {G, _Props, Members} -> expand(Members, Groups, Path ++ [G]);
        {G, Members} -> expand(Members, Groups, Path ++ [G]);
        false -> []
    end.
