%% crash_report_probe: a process dies with an uncaught error; both VMs print the error report
%% (suite 30 compares the two, timestamps and pids aside). Halts after the report.
-module(crash_report_probe).
-export([main/0]).

main() ->
    {Pid, Ref} = spawn_monitor(fun() -> 1 = erlang:phash2(x) end),
    receive {'DOWN', Ref, process, Pid, _} -> ok end,
    receive after 200 -> ok end, % erl's logger writes the report from its own process
    halt().
