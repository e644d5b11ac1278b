%% The application behind t_proc:t_application/0 (tests/erlang/corpus_proc_app.app): its top
%% supervisor is corpus_proc_sup, registered as corpus_proc_app_sup.
-module(corpus_proc_app).
-behaviour(application).
-export([start/2, stop/1]).

start(normal, []) ->
    supervisor:start_link({local, corpus_proc_app_sup}, corpus_proc_sup, []).

stop(_State) ->
    ok.
