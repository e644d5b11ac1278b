%% zvm_init: zvm's own init (not OTP's init:boot). The VM calls boot/1 in its first process with
%% the command line's -run and -s commands, [{run | s, Module, Function, Args}]. It starts the
%% console io servers (`user`, the group leader, and `standard_error`) and the file server
%% stand-in (zvm_file: an instance has no file system), then runs the commands in
%% order with erl's meaning: no arguments -> Module:Function(); arguments -> Module:Function(Args)
%% (strings for -run, atoms for -s). An exception ends the VM with a report and exit status 1;
%% when the commands return the VM keeps running its other processes until halt, as
%% `erl -noshell` does.
-module(zvm_init).
-export([boot/1]).

boot(Commands) ->
    User = zvm_io:start(user, 1),
    _ = zvm_io:start(standard_error, 2),
    _ = zvm_file:start(),
    true = group_leader(User, self()),
    run(Commands).

run([]) ->
    ok;
run([{_Kind, M, F, []} | Rest]) ->
    M:F(),
    run(Rest);
run([{_Kind, M, F, Args} | Rest]) ->
    M:F(Args),
    run(Rest).
