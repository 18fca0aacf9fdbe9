// A client creating a care request (POST /v1/requests) with only the fields the contract requires
// (category, schedule, start date, and where: a point or a NIL, the schema's anyOf).
// It compiles under `tsc --strict` only while the request model keeps every defaulted field optional
// for clients (issue 10: openapi-typescript's default options made them required).
import type { paths } from "./generated/api";

type CreateRequest = paths["/v1/requests"]["post"];
type RequestCreate = CreateRequest["requestBody"]["content"]["application/json"];
type RequestRead = CreateRequest["responses"][201]["content"]["application/json"];

export const minimalRequest: RequestCreate = {
  category_id: "6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
  schedule: [{ day: "tue", opens: "16:00", closes: "18:30" }],
  start_date: "2026-12-15",
  point: { lat: 45.4781, lon: 9.2265 },
};

export async function createRequest(baseUrl: string, accessToken: string): Promise<RequestRead> {
  const response = await fetch(`${baseUrl}/v1/requests`, {
    method: "POST",
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(minimalRequest),
  });
  if (response.status !== 201) {
    throw new Error(`POST /v1/requests answered ${response.status}`);
  }
  const created = (await response.json()) as RequestRead;
  // Fields the server fills in are present (not optional) in the response type.
  const summary: string = `${created.id} ${created.status} from ${created.start_date}`;
  console.log(summary);
  return created;
}
