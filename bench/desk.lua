-- The agents' queue (bench/run.sh, DESK=1): the default view and the usual
-- filters in rotation, as the agent seeded by handlers' TestDeskLoadSeed
-- (its 1-Click cookie from DESK_TOKEN).
local token = os.getenv("DESK_TOKEN") or ""
wrk.headers["Cookie"] = "zd=" .. token
wrk.headers["Accept-Encoding"] = "gzip"
local paths = {
  "/en/desk",
  "/en/desk?status=open",
  "/en/desk?priority=urgent",
  "/en/desk?assignee=none&topic=billing",
  "/en/desk?q=printer%20refund",
  "/en/desk?page=50",
  "/en/desk?status=new&priority=urgent&page=3",
  "/en/desk?q=invoice",
  -- issue 14: a tag on a tenth of the tickets, a rarer tag by last change
  "/en/desk?tag=vip",
  "/en/desk?tag=refund&sort=updated",
}
-- issue 14: the shared saved view TestDeskLoadSeed made (DESK_VIEW: its id)
local view = os.getenv("DESK_VIEW") or ""
if view ~= "" then
  table.insert(paths, "/en/desk?view=" .. view)
end
-- issue 14: the custom field TestDeskLoadSeed defined (DESK_FIELD: its key),
-- alone (a third of the billing tickets) and with the vip tag
local field = os.getenv("DESK_FIELD") or ""
if field ~= "" then
  table.insert(paths, "/en/desk?field=" .. field .. "&field_value=macOS")
  table.insert(paths, "/en/desk?field=" .. field .. "&field_value=Windows&tag=vip")
end
-- Each request from another address (loopback is a trusted proxy), as
-- bench/sessions.sh does: else the desk's per-address limit (600 a minute)
-- answers 429 after the first few hundred and wrk measures the refusals.
local i = 0
request = function()
  i = i + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end -- the cookie
  h["X-Forwarded-For"] = "10." .. (i % 250) .. "." .. (math.floor(i / 250) % 250) .. ".3"
  return wrk.format("GET", paths[(i % #paths) + 1], h)
end
