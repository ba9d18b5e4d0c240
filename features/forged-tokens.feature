Feature: Forged and broken tokens are refused
  Whatever is wrong with a token, the user endpoint answers 401
  `token_not_valid`: never 200, never a server error. The runner has no key
  of the target's, so every forgery here is made from a valid token.

  @core
  Scenario Outline: Access token forged as <kind> is refused by the user endpoint
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:<kind>}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Given token not valid for any token type"
    And the body's "messages.0.message" should be "Token is invalid" or "Token is invalid or expired"

    Examples:
      | kind                  |
      | tampered        |
      | truncated       |
      | unsigned        |
      | other signature |
      | edited          |
      | extended        |
      | alg none        |
      | alg None, capitalised |
      | alg NONE, upper case |
      | alg nOnE, mixed case |
      | two-segment     |
      | garbage         |
      | not base64      |
      | not JSON        |
      | empty key       |
      | guessed key     |
      | HS512           |
      | embedded jwk    |
      | jku             |
      | x5u             |
      | kid             |

  @core
  Scenario: An oversized token is refused, by the HTTP layer or as a bad token
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access:oversized}"
    Then the status must be one of 400, 401, 431

  @core
  Scenario Outline: Refresh token forged as <kind> is refused by the refresh endpoint
    Given I have logged in
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{refresh:<kind>}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is invalid" or "Token is invalid or expired"

    Examples:
      | kind        |
      | tampered    |
      | edited      |
      | extended    |
      | alg none    |
      | two-segment |
      | garbage     |
      | guessed key |
      | HS512       |
