--
-- PostgreSQL database dump
--

\restrict zxp8zdir65reJazSy8jHJPt28toHNaiTG2AlH0B54ANgdFPwdsinZ8LbHckubhC

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: billing; Type: SCHEMA; Schema: -; Owner: shop_owner
--

CREATE SCHEMA billing;


ALTER SCHEMA billing OWNER TO shop_owner;

--
-- Name: open_total(bigint); Type: FUNCTION; Schema: billing; Owner: shop_owner
--

CREATE FUNCTION billing.open_total(c bigint) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(amount), 0) FROM billing.invoices WHERE customer_id = c AND status = 'open' $$;


ALTER FUNCTION billing.open_total(c bigint) OWNER TO shop_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: invoices; Type: TABLE; Schema: billing; Owner: shop_owner
--

CREATE TABLE billing.invoices (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    amount numeric(12,2) NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    CONSTRAINT invoices_amount_check CHECK ((amount >= (0)::numeric))
);


ALTER TABLE billing.invoices OWNER TO shop_owner;

--
-- Name: invoices_id_seq; Type: SEQUENCE; Schema: billing; Owner: shop_owner
--

ALTER TABLE billing.invoices ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME billing.invoices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: open_invoices; Type: VIEW; Schema: billing; Owner: shop_owner
--

CREATE VIEW billing.open_invoices AS
 SELECT invoices.id,
    invoices.customer_id,
    invoices.amount
   FROM billing.invoices
  WHERE (invoices.status = 'open'::text);


ALTER TABLE billing.open_invoices OWNER TO shop_owner;

--
-- Name: customers; Type: TABLE; Schema: public; Owner: shop_owner
--

CREATE TABLE public.customers (
    id bigint NOT NULL,
    email text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE public.customers OWNER TO shop_owner;

--
-- Name: TABLE customers; Type: COMMENT; Schema: public; Owner: shop_owner
--

COMMENT ON TABLE public.customers IS 'People who buy things';


--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: public; Owner: shop_owner
--

ALTER TABLE public.customers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: invoices invoices_pkey; Type: CONSTRAINT; Schema: billing; Owner: shop_owner
--

ALTER TABLE ONLY billing.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: shop_owner
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: customers_email_key; Type: INDEX; Schema: public; Owner: shop_owner
--

CREATE UNIQUE INDEX customers_email_key ON public.customers USING btree (lower(email));


--
-- Name: invoices invoices_customer_id_fkey; Type: FK CONSTRAINT; Schema: billing; Owner: shop_owner
--

ALTER TABLE ONLY billing.invoices
    ADD CONSTRAINT invoices_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);


--
-- Name: SCHEMA billing; Type: ACL; Schema: -; Owner: shop_owner
--

GRANT USAGE ON SCHEMA billing TO shop_reader;


--
-- Name: TABLE invoices; Type: ACL; Schema: billing; Owner: shop_owner
--

GRANT SELECT ON TABLE billing.invoices TO shop_reader;


--
-- Name: TABLE open_invoices; Type: ACL; Schema: billing; Owner: shop_owner
--

GRANT SELECT ON TABLE billing.open_invoices TO shop_reader;


--
-- Name: TABLE customers; Type: ACL; Schema: public; Owner: shop_owner
--

GRANT SELECT ON TABLE public.customers TO shop_reader;


--
-- PostgreSQL database dump complete
--

\unrestrict zxp8zdir65reJazSy8jHJPt28toHNaiTG2AlH0B54ANgdFPwdsinZ8LbHckubhC

