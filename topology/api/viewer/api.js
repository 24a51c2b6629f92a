// The GraphQL API, over HTTP: the token kept for this tab, queries with it, and what a
// refused token means (the caller goes back to the login form).

const TOKEN_KEY = "topology.token";

export class Unauthorized extends Error {}

export class GraphQLErrors extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

// POST /graphql with the tab's token (or `withToken`); resolves to `data`, rejects with
// Unauthorized (HTTP 401) or GraphQLErrors (the answer's `errors`, when it has no data).
export async function gql(query, variables = {}, withToken = token.get()) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      Authorization: `Bearer ${withToken || ""}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new Unauthorized("the token was refused");
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`the API answered HTTP ${response.status}`);
  }
  if (body.errors && body.errors.length && !body.data) throw new GraphQLErrors(body.errors);
  if (body.errors && body.errors.length) console.warn("GraphQL errors:", body.errors);
  return body.data;
}

// Queries the viewer sends (one place, so they are easy to read and to try in GraphiQL).
const NODE = "id type name objectName status statusValue statusText statusTimestamp";
const LINK = `linkType linkName sourceId targetId state implicit host network
  status statusValue statusText statusTimestamp`;

export const Q = {
  environments: "{ environments { name objectCount } }",
  search: `query Search($text: String!, $first: Int) {
    search(nameContains: $text, first: $first) { id environment type name status statusValue }
  }`,
  clique: `query Clique($environment: String!, $id: String!) {
    object(environment: $environment, id: $id) { ${NODE} environment }
    clique(environment: $environment, focalPoint: $id) {
      status
      cliqueType { name focalPointType linkTypes }
      nodes { ${NODE} }
      links { ${LINK} }
    }
  }`,
  object: `query ObjectDetails($environment: String!, $id: String!) {
    object(environment: $environment, id: $id) {
      ${NODE} environment parentId parentType namePath firstSeen lastSeen attributes
      statusHistory(first: 5) { status statusText at }
      clique { nodes { id } links { sourceId } }
    }
  }`,
  link: `query LinkDetails($environment: String!, $source: String!, $target: String!) {
    links(environment: $environment, sourceId: $source, targetId: $target, first: 1) {
      items { ${LINK} environment firstSeen lastSeen linkWeight attributes
        statusHistory(first: 5) { status statusText at } }
    }
  }`,
  dashboard: `query Dashboard($environment: String!) {
    environment(name: $environment) { name objectCount metadata }
    statusSummary(environment: $environment) {
      objects { type status count }
      objectTotals { status count }
      linkTotals { status count }
      worst(first: 10) { id type name status statusValue statusText statusTimestamp }
      worstLinks(first: 5) {
        linkType sourceId targetId status statusValue statusText statusTimestamp
      }
    }
    scans(environment: $environment, first: 1) {
      id kind status requestedAt startedAt endedAt phase errors seconds
      objectsWritten linksWritten objectsRemoved linksRemoved
    }
  }`,
  listenerFields: `{ __type(name: "ListenerState") { fields { name } } }`,
};
