{application, corpus_proc_app,
 [{description, "the application of t_proc:t_application/0"},
  {vsn, "1"},
  {modules, [corpus_proc_app, corpus_proc_sup]},
  {registered, [corpus_proc_app_sup]},
  {applications, [kernel, stdlib]},
  {mod, {corpus_proc_app, []}},
  {env, [{greeting, hello}]}]}.
