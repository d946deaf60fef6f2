-- wrk script: asks "/" again and again and writes each page's k-url to the file named by the first argument after
-- "--", until it has the number given second (held.sh stops wrk then). Use one thread (-t1): the count is per thread.
local out, want, got
init = function(args)
  out = io.open(args[1], "w")
  want = tonumber(args[2])
  got = 0
end
response = function(status, headers, body)
  local k = body:match('href="([^"]+)"')
  if status == 200 and k and got < want then
    out:write(k, "\n")
    got = got + 1
    if got == want then out:flush() end
  end
end
