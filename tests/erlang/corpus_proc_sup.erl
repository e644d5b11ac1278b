%% The supervisor behind t_proc:t_supervisor_restart/0: one t_proc gen_server, restarted when
%% it crashes.
-module(corpus_proc_sup).
-behaviour(supervisor).
-export([init/1, start_worker/0]).

init([]) ->
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10},
          [#{id => worker, start => {?MODULE, start_worker, []}}]}}.

start_worker() ->
    gen_server:start_link(t_proc, 3, []).
