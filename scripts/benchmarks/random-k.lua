-- wrk script: each request resumes a k-url picked at random from the file named by the first argument after "--".
local links = {}
init = function(args)
  for line in io.lines(args[1]) do links[#links + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  return wrk.format("GET", links[math.random(#links)])
end
