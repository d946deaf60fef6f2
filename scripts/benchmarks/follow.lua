-- wrk script: each connection follows the newest link of the page it got, so every request resumes a
-- continuation that suspends again (a SendSuspend round trip). Threads have their own Lua state: use -t = -c.
local path = "/"
request = function()
  return wrk.format("GET", path)
end
response = function(status, headers, body)
  local k = body:match('href="([^"]+)"')
  if status == 200 and k then path = k else path = "/" end
end
