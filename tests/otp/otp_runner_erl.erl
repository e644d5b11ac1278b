%% otp_runner_erl: the stock-erl side of otp_runner: one VM runs a whole suite, each case in its
%% own process with a timeout (zvm runs a fresh VM per case instead: part 1 has no processes).
-module(otp_runner_erl).
-export([run_all/1]).

%% Results go to the file OUT (stock erl's logger may write to standard error meanwhile).
run_all([SuiteName, Ms, Dir, OutFile]) ->
    Suite = list_to_atom(SuiteName),
    Timeout = list_to_integer(Ms),
    lists:foreach(
      fun({Groups, Case}) ->
              {Pid, Ref} = spawn_monitor(fun() -> exit({done, otp_runner:run_case(Suite, Groups, Case, Dir)}) end),
              R = receive
                      {'DOWN', Ref, process, Pid, {done, Res}} -> Res;
                      {'DOWN', Ref, process, Pid, Other} -> {fail, {crashed, Other}}
                  after Timeout ->
                          exit(Pid, kill),
                          {fail, timeout}
                  end,
              otp_runner:report(fun(L) -> ok = file:write_file(OutFile, L, [append]) end,
                                SuiteName, atom_to_list(Case), R)
      end, otp_runner:cases(Suite)),
    erlang:halt(0).

