%% An application resource file beyond plain data (a map, a character literal): zvm's own .app
%% reader hands such files to erl_scan/erl_parse (t_proc:t_application_file_forms/0).
{application, corpus_proc_map,
 [{description, "tab\there"},
  {vsn, "2.0"},
  {env, [{m, #{a => 1, "b" => [$x, $y]}}, {c, $z}, {neg, -3}, {f, 2.5}, {bin, <<"β">>},
         {'quoted atom', 'x y'}]}]}.
