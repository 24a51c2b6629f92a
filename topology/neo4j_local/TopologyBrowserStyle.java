// Serves Topology's Neo4j Browser style to Browser, from the local Neo4j's own HTTP port.
//
// An unmanaged extension (server.unmanaged_extension_classes=topology=/topology): GET
// /topology/browser-style.grass returns the file named by the system property
// topology.browser_style (the launcher's command line sets it; the Python side copies
// cypher/browser-style.grass into the Neo4j home on every start). Browser's
// post-connect command (browser.post_connect_cmd) runs `:style <that URL>` on connect:
// the same origin as Browser itself, so nothing is fetched from anywhere else.

package topology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import javax.ws.rs.GET;
import javax.ws.rs.Produces;
import javax.ws.rs.core.Response;

@javax.ws.rs.Path("/")
public class TopologyBrowserStyle {
    public static final String PROPERTY = "topology.browser_style";

    @GET
    @javax.ws.rs.Path("browser-style.grass")
    @Produces("text/plain; charset=utf-8")
    public Response style() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND).build();
        }
        try {
            String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            return Response.ok(text).header("Cache-Control", "no-store").build();
        } catch (NoSuchFileException e) {
            return Response.status(Response.Status.NOT_FOUND).build();
        } catch (IOException e) {
            return Response.serverError().entity("cannot read " + file + ": " + e).build();
        }
    }
}
